'use client';
import { useEffect, useMemo, useState } from 'react';
import type { ConversationDto, MessageDto } from '@wa-fleet/contract';
import { callRoute } from '@/lib/api-client.ts';
import { formatBytes } from '@/lib/format.ts';
import { LocalTime } from '@/components/local-time.tsx';
import { usePoll } from '@/lib/use-poll.ts';
import { ApiErrorNotice } from '@/components/api-error-notice.tsx';
import { Loading } from '@/components/notices.tsx';
import { StatusBadge } from '@/components/status-badge.tsx';
import { MessageChanges, RemovedContent, isContentRemoved } from '@/components/message-changes.tsx';
import { MESSAGE_TYPE_LABELS } from '../messages/message-filter-state.ts';

const REFRESH_MS = 4_000;

/** The file of a message, through the portal's own route (session and tenant checked server-side). */
const mediaUrl = (id: string, thumbnail = false) =>
  `/api/tenant/messages/${encodeURIComponent(id)}/media${thumbnail ? '?variant=thumbnail' : ''}`;

/** One line about the last message of a chat, for the list. */
function preview(m: MessageDto): string {
  if (isContentRemoved(m)) return 'Message deleted';
  if (m.type === 'TEXT') return m.body;
  const label = MESSAGE_TYPE_LABELS[m.type];
  const text = m.meta.caption ?? m.meta.fileName ?? m.meta.locationName ?? '';
  return text ? `${label}: ${text}` : label;
}

export function ConversationsView() {
  const [contact, setContact] = useState<string>();
  const chats = usePoll('GET /portal/tenant/current/conversations', { query: { limit: 100 } }, REFRESH_MS);
  const selected = contact ?? undefined;

  useEffect(() => {
    const fromUrl = new URLSearchParams(window.location.search).get('contact');
    if (fromUrl) setContact(fromUrl);
  }, []);

  function open(c: string) {
    setContact(c);
    window.history.replaceState(null, '', `?contact=${encodeURIComponent(c)}`);
  }

  return (
    <div className="conversations">
      <section className="card conversation-list" aria-label="Chats">
        <ApiErrorNotice error={chats.error} what="load chats" />
        {chats.isLoading && !chats.data ? (
          <Loading text="Loading chats…" />
        ) : chats.data?.items.length === 0 ? (
          <p className="empty" role="status">
            No chats yet.
          </p>
        ) : (
          <ul className="plain" data-testid="conversation-list">
            {chats.data?.items.map((c) => (
              <ChatItem key={c.contact} chat={c} isOpen={c.contact === selected} onOpen={open} />
            ))}
          </ul>
        )}
      </section>
      {selected ? (
        <Thread key={selected} contact={selected} onRead={() => void chats.refresh()} />
      ) : (
        <p className="card muted">Choose a chat to see its messages.</p>
      )}
    </div>
  );
}

function ChatItem({
  chat,
  isOpen,
  onOpen,
}: {
  chat: ConversationDto;
  isOpen: boolean;
  onOpen: (contact: string) => void;
}) {
  return (
    <li>
      <button
        type="button"
        className={`chat-item${isOpen ? ' open' : ''}`}
        aria-current={isOpen ? 'true' : undefined}
        data-testid="conversation"
        data-contact={chat.contact}
        onClick={() => onOpen(chat.contact)}
      >
        <span className="mono">{chat.contact}</span>
        {chat.unread > 0 && (
          <span className="badge badge-warn" data-testid="unread" aria-label={`${chat.unread} unread`}>
            {chat.unread}
          </span>
        )}
        <span className="small muted chat-preview">{preview(chat.lastMessage)}</span>
        <span className="small muted">
          <LocalTime iso={chat.lastMessage.createdAt} />
        </span>
      </button>
    </li>
  );
}

function Thread({ contact, onRead }: { contact: string; onRead: () => void }) {
  const thread = usePoll(
    'GET /portal/tenant/current/conversations/:contact/messages',
    { params: { contact }, query: { limit: 200 } },
    REFRESH_MS,
  );
  const newest = thread.data?.items.at(-1)?.id;
  // Looking at the chat reads it: its unread count starts again from the newest message shown.
  useEffect(() => {
    if (!newest) return;
    void callRoute('POST /portal/tenant/current/conversations/:contact/read', { params: { contact } }).then(
      onRead,
    );
  }, [contact, newest]);

  const { messages, reactionsOn } = useMemo(() => {
    const items = thread.data?.items ?? [];
    const reactions = new Map<string, MessageDto[]>();
    for (const m of items) {
      const target = m.type === 'REACTION' ? m.meta.targetWaMessageId : undefined;
      if (target && m.meta.emoji) reactions.set(target, [...(reactions.get(target) ?? []), m]);
    }
    const shown = new Set(items.map((m) => m.waMessageId));
    // A reaction on a message not in view is shown as its own line.
    return {
      messages: items.filter((m) => m.type !== 'REACTION' || !shown.has(m.meta.targetWaMessageId ?? '')),
      reactionsOn: reactions,
    };
  }, [thread.data]);

  return (
    <section className="card thread" aria-label={`Chat with ${contact}`} data-testid="thread">
      <h2 className="mono">{contact}</h2>
      <ApiErrorNotice error={thread.error} what="load this chat" />
      {thread.isLoading && !thread.data ? (
        <Loading text="Loading messages…" />
      ) : (
        <ol className="plain bubbles">
          {messages.map((m) => (
            <Bubble key={m.id} message={m} reactions={reactionsOn.get(m.waMessageId ?? '') ?? []} />
          ))}
        </ol>
      )}
    </section>
  );
}

function Bubble({ message: m, reactions }: { message: MessageDto; reactions: MessageDto[] }) {
  return (
    <li
      className={`bubble ${m.direction === 'IN' ? 'in' : 'out'}`}
      data-testid="bubble"
      data-type={m.type}
      data-id={m.id}
    >
      {isContentRemoved(m) ? <RemovedContent /> : <Content message={m} />}
      <div className="small muted bubble-meta">
        <LocalTime iso={m.createdAt} />
        {m.direction === 'OUT' && <StatusBadge value={m.status} />}
        <MessageChanges message={m} />
      </div>
      {reactions.length > 0 && (
        <div className="reactions" data-testid="reactions" aria-label="Reactions">
          {reactions.map((r) => (
            <span key={r.id} title={`${r.from} reacted`}>
              {r.meta.emoji}
            </span>
          ))}
        </div>
      )}
    </li>
  );
}

function MediaState({ message: m }: { message: MessageDto }) {
  if (!m.media || m.media.status === 'STORED') return null;
  const text =
    m.media.status === 'PENDING'
      ? 'File not fetched yet…'
      : m.media.status === 'RETRYING'
        ? `Media unavailable, retrying (attempt ${m.media.attempts})`
        : `File not available: ${m.media.error ?? 'unknown reason'}`;
  return (
    <p className="small muted" data-testid="media-state">
      {text}
    </p>
  );
}

function Content({ message: m }: { message: MessageDto }) {
  const isStored = m.media?.status === 'STORED';
  const caption = m.meta.caption ? <p className="text">{m.meta.caption}</p> : null;
  switch (m.type) {
    case 'TEXT':
      return <p className="text">{m.body}</p>;
    case 'IMAGE':
    case 'STICKER':
      return (
        <>
          {isStored ? (
            <a href={mediaUrl(m.id)} target="_blank" rel="noreferrer">
              <img
                src={mediaUrl(m.id, true)}
                alt={m.meta.caption ?? MESSAGE_TYPE_LABELS[m.type]}
                className={m.type === 'STICKER' ? 'sticker' : 'thumb'}
                data-testid="thumbnail"
              />
            </a>
          ) : (
            <MediaState message={m} />
          )}
          {caption}
        </>
      );
    case 'AUDIO':
    case 'VOICE':
      return (
        <>
          <span className="small muted">
            {MESSAGE_TYPE_LABELS[m.type]}
            {m.meta.durationS !== undefined ? ` · ${m.meta.durationS} s` : ''}
          </span>
          {isStored ? (
            <audio controls preload="none" src={mediaUrl(m.id)} data-testid="audio" />
          ) : (
            <MediaState message={m} />
          )}
          {caption}
        </>
      );
    case 'VIDEO':
      return (
        <>
          {isStored ? (
            <video controls preload="none" src={mediaUrl(m.id)} data-testid="video" />
          ) : (
            <MediaState message={m} />
          )}
          {caption}
        </>
      );
    case 'DOCUMENT':
      return (
        <>
          {isStored ? (
            <a href={mediaUrl(m.id)} download data-testid="document">
              Document: {m.meta.fileName ?? 'document'} ({formatBytes(m.media?.size)})
            </a>
          ) : (
            <MediaState message={m} />
          )}
          {caption}
        </>
      );
    case 'LOCATION': {
      const { latitude: lat, longitude: lon } = m.meta;
      const href =
        lat !== undefined && lon !== undefined
          ? `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`
          : undefined;
      return (
        <p>
          Location:{' '}
          {href ? (
            <a href={href} target="_blank" rel="noreferrer" data-testid="location">
              {m.meta.locationName ?? `${lat}, ${lon}`}
            </a>
          ) : (
            'Location'
          )}
        </p>
      );
    }
    case 'CONTACT': {
      const name = /^FN:(.*)$/m.exec(m.meta.vcard ?? '')?.[1];
      return <p data-testid="contact-card">Contact card{name ? `: ${name}` : ''}</p>;
    }
    case 'REACTION':
      return <p className="small muted">Reacted {m.meta.emoji || '(removed)'} to a message not shown here</p>;
    case 'UNSUPPORTED':
      return (
        <p className="small muted" data-testid="unsupported">
          Message of a type not shown here ({m.rawType ?? 'unknown'}){m.body ? `: ${m.body}` : ''}
        </p>
      );
  }
}
