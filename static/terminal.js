// A Claude Code session's terminal: xterm.js over the session's WebSocket. The server replays the recent output on
// connect, so a reload shows where the session is; closing the page leaves the session running.
/* global window, document, location, WebSocket */
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var box = document.querySelector('[data-terminal]');
    if (!box || !window.Terminal) return;
    var status = document.querySelector('[data-role="terminal-status"]');
    var say = function (text) {
      if (status) status.textContent = text;
    };
    var term = new window.Terminal({ convertEol: false, cursorBlink: true, scrollback: 5000, fontSize: 14 });
    var fit = window.FitAddon ? new window.FitAddon.FitAddon() : null;
    if (fit) term.loadAddon(fit);
    term.open(box);
    if (fit) fit.fit();
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + box.getAttribute('data-terminal');
    var ws = new WebSocket(url);
    var send = function (message) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    };
    ws.onopen = function () {
      say('Connected.');
      send({ type: 'resize', cols: term.cols, rows: term.rows });
      term.focus();
    };
    ws.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === 'output') term.write(message.data);
      else if (message.type === 'ended') say('The session has ended: ' + message.reason + '.');
    };
    ws.onclose = function (event) {
      if (event.code !== 1000 && status && status.textContent.indexOf('ended') < 0) say('Disconnected; reload the page to connect again.');
    };
    term.onData(function (data) {
      send({ type: 'input', data: data });
    });
    term.onResize(function (size) {
      send({ type: 'resize', cols: size.cols, rows: size.rows });
    });
    window.addEventListener('resize', function () {
      if (fit) fit.fit();
    });
  });
})();
