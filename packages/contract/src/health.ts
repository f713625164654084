import { Type } from 'typebox';
import { ErrorBody, errorResponses } from './common.ts';

const tags = ['health'];

export const ReadyChecks = Type.Object({
  database: Type.String(),
  redis: Type.String(),
  /** 'reconciling' until the first pass of bringing the database and the running processes to agree. */
  workers: Type.String(),
});

export const healthRoutes = {
  'GET /health': {
    tags,
    summary: 'Liveness: the process answers',
    response: { 200: Type.Object({ status: Type.Literal('ok') }) },
  },
  'GET /ready': {
    tags,
    summary: 'Readiness: Postgres and Redis reachable (503 naming what is down)',
    response: {
      200: Type.Object({ status: Type.Literal('ready'), checks: ReadyChecks }),
      503: Type.Object({ ...ErrorBody.properties, checks: ReadyChecks }),
    },
  },
  'GET /metrics': {
    tags,
    summary:
      'Prometheus metrics: workers by status, heartbeat age and queue depth per tenant, HTTP latency (Bearer METRICS_TOKEN when set)',
    response: {
      200: { description: 'Prometheus text format', content: { 'text/plain': { schema: Type.String() } } },
      ...errorResponses,
    },
  },
} as const;
