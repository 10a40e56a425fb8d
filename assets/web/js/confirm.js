// Confirm: the app's one question before a step that cannot simply be
// undone (locking a period, cancelling a session, deleting). An in-page
// modal <dialog> in the UI's language — never window.confirm or prompt,
// which show the browser's words and cannot be styled or labelled.
//
// The dialog is labelled by its title and described by its text; the focus
// starts on the safe button (or the note to write), Escape and the safe
// button answer "no", and the focus goes back where it was.
import {field, h, nextId, setStatus} from './dom.js';
import {t} from './i18n.js';

// confirmAction({title, body, confirm, keep}) resolves true when the user
// chose the button named confirm (say what it does: 锁定, 删除), false on
// keep (default 取消) or Escape.
export function confirmAction(opts) {
  return open(opts).then((v) => v !== null);
}

// askNote({title, body, label, confirm, keep}) asks for a required note
// (why a finding is returned, …): the note's text, or null when the user
// did not go on.
export function askNote(opts) {
  return open({...opts, note: true});
}

function open({title, body, confirm, keep, label, note}) {
  return new Promise((resolve) => {
    const titleId = nextId('confirm-title');
    const bodyId = nextId('confirm-body');
    const opener = document.activeElement;
    const keepBtn = h('button', {type: 'button', class: 'btn-secondary', id: 'confirm-keep'}, keep || t('common.cancel'));
    const goBtn = h('button', {type: 'button', class: 'btn-primary danger', id: 'confirm-go'}, confirm);
    const text = note ? h('textarea', {id: 'confirm-note', name: 'note', rows: '3', required: true}) : null;
    const box = note ? h('div', {class: 'status', id: 'confirm-status', role: 'alert'}) : null;
    const dlg = h('dialog', {class: 'confirm-dialog', id: 'confirm-dialog', 'aria-labelledby': titleId,
      'aria-describedby': body ? bodyId : null},
    h('h2', {id: titleId}, title),
    body ? h('p', {id: bodyId}, body) : null,
    text ? field(label || title, text, {name: 'note'}) : null,
    box,
    h('div', {class: 'actions'}, keepBtn, goBtn));
    let answer = null;
    // going back or forward leaves the page that asked: the answer is no
    const leave = () => dlg.close();
    window.addEventListener('popstate', leave);
    // 'close' comes after every way out: either button, Escape (the
    // dialog's own cancel), or the page going back.
    dlg.addEventListener('close', () => {
      window.removeEventListener('popstate', leave);
      dlg.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(answer);
    });
    keepBtn.addEventListener('click', () => dlg.close());
    goBtn.addEventListener('click', () => {
      if (text) {
        const v = text.value.trim();
        if (!v) {
          setStatus(box, t('form.required'), 'error');
          text.setAttribute('aria-invalid', 'true');
          text.focus();
          return;
        }
        answer = v;
      } else {
        answer = true;
      }
      dlg.close();
    });
    document.body.append(dlg);
    dlg.showModal();
    (text || keepBtn).focus();
  });
}
