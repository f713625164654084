import type { NextRequest } from 'next/server';
import { getSession } from '@/server/session.ts';

/** A plain form POST (works without JavaScript); answers with a redirect to the sign-in page. */
export async function POST(req: NextRequest): Promise<Response> {
  const session = await getSession();
  session.destroy();
  return new Response(null, { status: 303, headers: { location: new URL('/login', req.url).pathname } });
}
