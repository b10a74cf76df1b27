// Slipway's page script: the few live parts of server-rendered pages. Everything works without it except live
// updates. Server text is only ever put in the page with textContent (never as HTML), except fragments, which
// are HTML the server rendered with escaping.
/* global window, document, navigator, EventSource, requestAnimationFrame */
'use strict';

(function () {
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

  // Parts of the page marked data-fragment reload when the live stream says their app changed.
  async function refreshFragment(el) {
    const url = el.getAttribute('data-fragment');
    if (!url) return;
    let res;
    try {
      res = await fetch(url, { headers: { 'X-Slipway-Fragment': '1' }, credentials: 'same-origin' });
    } catch {
      return;
    }
    if (!res.ok) return;
    const template = document.createElement('template');
    template.innerHTML = (await res.text()).trim();
    const next = template.content.firstElementChild;
    if (!next || !el.isConnected) return;
    // Keep keyboard focus where it was (the same link or button in the new copy).
    const active = document.activeElement;
    const focusKey = active && el.contains(active) ? active.getAttribute('href') || active.getAttribute('aria-label') || active.textContent : null;
    el.replaceWith(next);
    if (focusKey) {
      const again = $$('a, button', next).find((x) => (x.getAttribute('href') || x.getAttribute('aria-label') || x.textContent) === focusKey);
      if (again) again.focus();
    }
  }

  function refreshApp(app) {
    $$('[data-fragment]')
      .filter((el) => el.getAttribute('data-app') === app)
      .forEach((el) => void refreshFragment(el));
  }

  function liveUpdates() {
    const root = document.querySelector('[data-live]');
    if (!root || !window.EventSource) return;
    const scope = root.getAttribute('data-live');
    const source = new EventSource(scope === '*' ? '/live' : `/live?app=${encodeURIComponent(scope)}`);
    const timers = new Map();
    let opened = false;
    // Whatever changed between rendering the page and connecting (or while reconnecting) is fetched once: on an
    // app's page from the start (a few parts), on the home page after a reconnect (a card per app).
    source.addEventListener('open', () => {
      if (opened || scope !== '*') $$('[data-fragment]').forEach((el) => void refreshFragment(el));
      opened = true;
    });
    source.addEventListener('app', (e) => {
      const { app } = JSON.parse(e.data);
      clearTimeout(timers.get(app));
      timers.set(
        app,
        setTimeout(() => refreshApp(app), 200),
      );
    });
    window.addEventListener('pagehide', () => source.close());
  }

  // A growing <pre>: lines are batched per frame, and it follows the end unless the reader scrolled up.
  function createLogWriter(pre) {
    let pending = '';
    let scheduled = false;
    return (line) => {
      pending += `${line}\n`;
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        const atEnd = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
        pre.append(document.createTextNode(pending));
        pending = '';
        if (pre.textContent.length > 2_000_000) pre.textContent = pre.textContent.slice(-1_000_000);
        if (atEnd) pre.scrollTop = pre.scrollHeight;
      });
    };
  }

  function followLog(pre) {
    const write = createLogWriter(pre);
    const state = pre.closest('figure')?.querySelector('[data-log-state]');
    const source = new EventSource(pre.getAttribute('data-log-src'));
    const finish = (label, tone) => {
      source.close();
      if (state) {
        state.textContent = label;
        state.className = `badge tone-${tone}`;
      }
      pre.setAttribute('data-log-done', 'true');
    };
    source.addEventListener('line', (e) => write(JSON.parse(e.data).line));
    source.addEventListener('end', (e) => {
      const data = JSON.parse(e.data);
      if (data.message) write(`— ${data.message}`);
      finish('finished', 'none');
    });
    source.addEventListener('failure', (e) => {
      write(`— ${JSON.parse(e.data).message}`);
      finish('stopped', 'bad');
    });
    window.addEventListener('pagehide', () => source.close());
  }

  function safeUrl(url) {
    return typeof url === 'string' && /^https?:\/\//.test(url) ? url : null;
  }

  // Describe → Claude → commit → build → preview, from the generation's replayable event stream.
  function followGeneration(root) {
    const app = root.getAttribute('data-app');
    const part = (role) => root.querySelector(`[data-role="${role}"]`);
    const status = part('status');
    const text = part('text');
    const files = part('files');
    const commit = part('commit');
    const build = part('build');
    const writeLog = createLogWriter(part('build-log'));
    const preview = part('preview');
    const say = (message, tone) => {
      status.textContent = message;
      status.className = `stream-status${tone ? ` ${tone}` : ''}`;
    };
    const source = new EventSource(root.getAttribute('data-generation-stream'));
    const on = (name, fn) => source.addEventListener(name, (e) => fn(JSON.parse(e.data)));
    root.setAttribute('data-state', 'running');
    on('generation', () => say('Claude is reading the app…'));
    on('text', (d) => {
      text.hidden = false;
      text.append(document.createTextNode(d.delta));
    });
    on('tool', (d) => say(d.path ? `Claude: ${d.name.replace(/_/g, ' ')} ${d.path}` : `Claude: ${d.name.replace(/_/g, ' ')}`));
    on('file', (d) => {
      files.hidden = false;
      const li = document.createElement('li');
      li.textContent = `${d.op === 'delete' ? 'deleted' : 'wrote'} ${d.path}${d.op === 'delete' ? '' : ` (${d.bytes} bytes)`}`;
      files.append(li);
    });
    on('retry', (d) => say(`The connection to Claude broke (${d.reason}); trying again…`));
    on('commit', (d) => {
      commit.hidden = false;
      commit.textContent = 'Committed ';
      const a = document.createElement('a');
      a.href = `/apps/${encodeURIComponent(app)}/commits/${encodeURIComponent(d.commit)}`;
      a.textContent = String(d.commit).slice(0, 12);
      a.setAttribute('data-commit-link', d.commit);
      commit.append(a, document.createTextNode(`: ${d.summary}`));
      say('Building the commit…');
    });
    on('build', (d) => {
      build.hidden = false;
      say(
        d.status === 'succeeded' ? 'Built; deploying to the preview…' : d.status === 'failed' ? 'The build failed.' : 'Building the commit…',
        d.status === 'failed' ? 'error-text' : '',
      );
    });
    on('build-line', (d) => writeLog(d.line));
    on('deploy', (d) => say(`Preview deployment: ${d.status}${d.reason ? ` (${d.reason})` : ''}`));
    on('deploy-line', (d) => {
      build.hidden = false;
      writeLog(d.line);
    });
    on('fix', (d) => say(`The commit ${d.reason}; Claude is trying a fix (attempt ${d.attempt} of ${d.of})…`));
    on('preview', (d) => {
      const url = safeUrl(d.url);
      if (!url) return;
      preview.hidden = false;
      preview.textContent = 'Live on the preview: ';
      const a = document.createElement('a');
      a.href = url;
      a.textContent = url;
      a.setAttribute('data-preview-link', '');
      preview.append(a);
    });
    on('nothing', (d) => say(`Claude made no changes: ${d.reason}`));
    on('error', (d) => say(d.message, 'error-text'));
    on('end', (d) => {
      source.close();
      root.setAttribute('data-state', d.status);
      if (d.status === 'live') say('Done: the change is live on the preview.', 'ok-text');
      else if (d.status === 'committed') say(d.message || 'Committed.', '');
      else if (d.status === 'nothing') say(status.textContent, '');
      else if (!/error-text/.test(status.className)) say('The request did not go live.', 'error-text');
      if (app) refreshApp(app);
      const button = document.querySelector('.describe-form button[type=submit]');
      if (button) button.disabled = false;
    });
    window.addEventListener('pagehide', () => source.close());
  }

  // The new-app form asks the server whether a name is valid (the API's rules) as it is typed.
  function checkName(input) {
    const message = document.querySelector('[data-name-message]');
    const url = input.getAttribute('data-check-name');
    let timer;
    let seq = 0;
    const check = async () => {
      const mine = ++seq;
      const value = input.value.trim();
      if (value === '') return;
      const res = await fetch(`${url}?name=${encodeURIComponent(value)}`, { credentials: 'same-origin' });
      if (!res.ok || mine !== seq) return;
      const r = await res.json();
      message.textContent = r.message;
      message.classList.toggle('invalid', !r.ok);
      message.classList.toggle('valid', r.ok);
      input.setCustomValidity(r.ok ? '' : r.message);
      input.setAttribute('aria-invalid', String(!r.ok));
    };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => void check(), 150);
    });
    if (input.value) void check();
  }

  function copyButtons() {
    $$('button[data-copy]').forEach((button) => {
      button.addEventListener('click', async () => {
        const input = document.getElementById(button.getAttribute('data-copy'));
        if (!input) return;
        try {
          await navigator.clipboard.writeText(input.value);
        } catch {
          input.select();
          document.execCommand('copy');
        }
        const label = button.textContent;
        button.textContent = 'Copied';
        setTimeout(() => (button.textContent = label), 1500);
      });
    });
  }

  function confirmByName(form) {
    const name = form.getAttribute('data-confirm-name');
    const input = form.querySelector('input[name=confirm]');
    const button = form.querySelector('button[type=submit]');
    const sync = () => {
      const ok = input.value.trim() === name;
      button.disabled = !ok;
      input.setCustomValidity(ok ? '' : `Type ${name} to confirm`);
    };
    input.addEventListener('input', sync);
    sync();
  }

  // Syntax colours and synchronised side-by-side scrolling for diffs diff2html rendered on the server.
  function enhanceDiffs() {
    if (!window.Diff2HtmlUI) return;
    $$('[data-diff]').forEach((el) => {
      try {
        new window.Diff2HtmlUI(el, undefined, {
          highlight: true,
          synchronisedScroll: true,
          fileListToggle: false,
          fileContentToggle: false,
          stickyFileHeaders: false,
        }).draw();
        el.setAttribute('data-highlighted', 'true');
      } catch {
        /* the plain diff stays */
      }
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    liveUpdates();
    $$('pre[data-log-src]').forEach(followLog);
    $$('[data-generation-stream]').forEach(followGeneration);
    $$('input[data-check-name]').forEach(checkName);
    $$('form[data-confirm-name]').forEach(confirmByName);
    copyButtons();
    enhanceDiffs();
  });
})();
