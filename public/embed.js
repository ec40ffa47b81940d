/* inbox-embed host SDK (postMessage protocol v1), served at /embed.js.
 *   <script src="https://inbox.example.com/embed.js"></script>
 *   const inbox = InboxEmbed.mount(element, { url: embedUrl, mode: 'dark',
 *     filters: { status: 'active', unread: true }, onEvent: (type, data) => log(type, data) });
 *   inbox.openConversation(id); inbox.setTheme('light'); inbox.setFilters({ handoff: true });
 *   const off = inbox.on('unread.changed', (data) => badge(data.total)); inbox.destroy();
 * The page's origin must be in the token's allowed_origins for the embed to answer. */
(function () {
  'use strict';
  const CHANNEL = 'inbox-embed';
  const VERSION = 1;
  const MODES = ['system', 'light', 'dark'];
  const CHOICES = { status: ['active', 'ended', 'all'], tab: ['all', 'mine', 'new', 'watched'] };
  const FLAGS = ['true', '1', 'false', '0'];
  const TEXTS = ['search', 'whatsapp_config_id', 'lang'];

  function fail(message) {
    throw new TypeError('InboxEmbed: ' + message);
  }

  function checkMode(mode) {
    if (MODES.indexOf(mode) < 0) fail('mode must be one of ' + MODES.join(', ') + ', not ' + JSON.stringify(mode));
    return mode;
  }

  // Filters mean what the embed's query parameters mean; `lang` is for mount only.
  function checkFilters(filters, atMount) {
    if (!filters || typeof filters !== 'object' || Array.isArray(filters)) fail('filters must be an object');
    const out = {};
    Object.keys(filters).forEach((key) => {
      const value = filters[key];
      if (value === undefined || value === null) return;
      if (key === 'status' || key === 'tab') {
        if (CHOICES[key].indexOf(value) < 0) fail(key + ' must be one of ' + CHOICES[key].join(', '));
        out[key] = value;
      } else if (key === 'unread' || key === 'handoff') {
        if (FLAGS.indexOf(String(value)) < 0) fail(key + ' must be a boolean');
        out[key] = FLAGS.indexOf(String(value)) < 2;
      } else if (TEXTS.indexOf(key) >= 0 && (atMount || key !== 'lang')) {
        if (typeof value !== 'string') fail(key + ' must be a string');
        out[key] = value;
      } else {
        fail('unknown filter ' + JSON.stringify(key));
      }
    });
    return out;
  }

  function mount(element, options) {
    if (!element || element.nodeType !== 1) fail('mount(element, options): element must be a DOM element');
    const opts = options || {};
    let src;
    try {
      src = new URL(opts.url);
    } catch (e) {
      fail('options.url must be an absolute http(s) URL, not ' + JSON.stringify(opts.url));
    }
    if (!/^https?:$/.test(src.protocol)) fail('options.url must be an http(s) URL');
    if (opts.onEvent !== undefined && typeof opts.onEvent !== 'function') fail('options.onEvent must be a function');
    if (opts.mode !== undefined) src.searchParams.set('mode', checkMode(opts.mode));
    const filters = opts.filters === undefined ? {} : checkFilters(opts.filters, true);
    Object.keys(filters).forEach((key) => {
      const value = filters[key];
      if (value === false || value === '') src.searchParams.delete(key);
      else src.searchParams.set(key, value === true ? '1' : value);
    });
    const origin = src.origin;
    const listeners = Object.create(null);
    let queue = [];
    let ready = false;
    let destroyed = false;

    const iframe = document.createElement('iframe');
    iframe.title = opts.title || 'Support inbox';
    if (opts.allow) iframe.setAttribute('allow', opts.allow);
    iframe.style.cssText = 'display:block;width:100%;height:100%;border:0';
    const post = (msg) => iframe.contentWindow.postMessage(msg, origin);

    function send(type, data) {
      if (destroyed) throw new Error('InboxEmbed: this embed was destroyed');
      const msg = { channel: CHANNEL, version: VERSION, type: type, data: data };
      if (ready) post(msg);
      else queue.push(msg);
    }

    // A listener that throws is reported, and the others still run.
    const call = (fn, a, b) => {
      try {
        fn(a, b);
      } catch (e) {
        setTimeout(() => { throw e; });
      }
    };
    function emit(type, data) {
      if (opts.onEvent) call(opts.onEvent, type, data);
      (listeners[type] || []).forEach((fn) => call(fn, data, type));
    }

    function onMessage(event) {
      if (event.source !== iframe.contentWindow || event.origin !== origin) return;
      const msg = event.data;
      if (!msg || msg.channel !== CHANNEL || msg.version !== VERSION || typeof msg.type !== 'string') return;
      if (msg.type === 'hello') {
        // A new embed document: commands wait for its "ready".
        ready = false;
        post({ channel: CHANNEL, version: VERSION, type: 'connect', data: {} });
        return;
      }
      if (msg.type === 'ready') {
        ready = true;
        queue.splice(0).forEach(post);
      }
      emit(msg.type, msg.data && typeof msg.data === 'object' ? msg.data : {});
    }

    window.addEventListener('message', onMessage);
    iframe.src = src.toString();
    element.appendChild(iframe);

    return {
      iframe: iframe,
      openConversation(id) {
        if (!id || typeof id !== 'string') fail('openConversation(id): id must be a string');
        send('open_conversation', { conversation_id: id });
      },
      setTheme(mode) {
        send('set_theme', { mode: checkMode(mode) });
      },
      setFilters(next) {
        send('set_filters', checkFilters(next, false));
      },
      on(type, fn) {
        if (typeof fn !== 'function') fail('on(type, fn): fn must be a function');
        (listeners[type] = listeners[type] || []).push(fn);
        return () => (listeners[type] = listeners[type].filter((f) => f !== fn));
      },
      destroy() {
        if (destroyed) return;
        destroyed = true;
        window.removeEventListener('message', onMessage);
        queue = [];
        if (iframe.parentNode) iframe.parentNode.removeChild(iframe);
      },
    };
  }

  window.InboxEmbed = { mount: mount, version: VERSION };
})();
