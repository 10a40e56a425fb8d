// Audit words: an audit entry as a sentence in the UI's language — who did
// what to whom — from its action, entity, ids and before/after records.
import {t, tOr} from './i18n.js';
import {statusLabel} from './labels.js';

// systemActor: entries no person caused (scheduled jobs, start-up).
export function isSystem(e) {
  return !e.actor_id || e.actor_id === 'system' || e.actor_id === '0';
}

// ctx: {members: Map id→name, groups: Map id→name, sessions: Map id→title}
export function actorName(e, ctx) {
  if (isSystem(e)) return t('audit.system');
  return ctx.members.get(String(e.actor_id)) || t('audit.member_n', {id: e.actor_id});
}

function rec(e) { return e.after || e.before || {}; }

function memberName(ctx, id) {
  return id ? ctx.members.get(String(id)) || t('audit.member_n', {id}) : '';
}

function sessionName(ctx, id) {
  const title = ctx.sessions.get(String(id));
  return title ? t('audit.session_named', {title}) : t('audit.session_n', {id});
}

// target: the thing acted on, named.
export function targetText(e, ctx) {
  const r = rec(e);
  const id = String(e.entity_id || '');
  switch (e.entity) {
    case 'attendance':
    case 'leave_request': {
      const [sid, mid] = id.split('/');
      return t('audit.at_session', {member: memberName(ctx, mid || r.member_id), session: sessionName(ctx, sid || r.session_id)});
    }
    case 'member':
    case 'members':
      return memberName(ctx, id) || r.name || '';
    case 'group':
      return ctx.groups.get(id) || r.name || t('audit.id_n', {id});
    case 'session':
      return r.title ? t('audit.session_named', {title: r.title}) : sessionName(ctx, id);
    case 'learning_report':
      return t('audit.report_of', {member: memberName(ctx, r.member_id), period: r.period || ''});
    case 'exam_score':
    case 'item_done': {
      const mid = r.member_id || id.split('/').pop();
      return memberName(ctx, mid);
    }
    case 'period':
      return r.period || id;
    default:
      return r.title || r.name || (id ? t('audit.id_n', {id}) : '');
  }
}

// detail: what changed, in words, when the entity says it simply.
function detailText(e) {
  const a = e.after || {};
  const b = e.before || {};
  if (e.entity === 'attendance') {
    if (e.action === 'clear') return t('audit.was', {what: statusLabel(b.status)});
    if (a.status) return t('audit.now', {what: statusLabel(a.status)});
  }
  if (e.entity === 'leave_request' && a.status) return t('audit.now', {what: tOr(`leave.status_${a.status}`, a.status)});
  if (e.entity === 'learning_report' && e.action === 'evaluate' && a.grade) return t('audit.now', {what: tOr(`lr.grade_${a.grade}`, String(a.grade))});
  if (e.entity === 'exam_score' && a.score !== undefined) return t('audit.now', {what: String(a.score)});
  return '';
}

// sentence: "张伟 设置了考勤：李四 · 学习「…」，现为 迟到".
export function sentence(e, ctx) {
  const verb = tOr(`audit.verb.${e.action}`, e.action || '');
  if (e.action === 'login' || e.action === 'logout') return `${actorName(e, ctx)} ${verb}`;
  if (e.action === 'checkin') {
    const sid = String(e.entity_id || '').split('/')[0];
    return t('audit.sentence_checkin', {actor: actorName(e, ctx), session: sessionName(ctx, sid)}) + t('audit.detail_sep') + detailText(e);
  }
  const noun = tOr(`audit.noun.${e.entity}`, e.entity || '');
  const target = targetText(e, ctx);
  const detail = detailText(e);
  return t('audit.sentence', {actor: actorName(e, ctx), verb, noun, target: target || '—'}) + (detail ? t('audit.detail_sep') + detail : '');
}
