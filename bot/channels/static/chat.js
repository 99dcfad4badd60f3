// The web chat: sends what the person types or taps to /chat/<questionnaire>/messages and shows the replies.
(function () {
  const name = document.body.dataset.questionnaire;
  const log = document.getElementById('log');
  const text = document.getElementById('text');
  const status = document.getElementById('status');
  const photoRow = document.getElementById('photo-row');
  const photo = document.getElementById('photo');
  let busy = false;
  let multi = [];

  function bubble(cls, content) {
    const d = document.createElement('div');
    d.className = 'msg ' + cls;
    const b = document.createElement('div');
    b.className = 'b';
    b.textContent = content;
    d.appendChild(b);
    log.appendChild(d);
    return d;
  }
  function clearChoices() {
    document.querySelectorAll('.choices').forEach(function (c) { c.remove(); });
  }
  function show(replies) {
    clearChoices();
    photoRow.style.display = 'none';
    replies.forEach(function (r) {
      const d = bubble('bot ' + (r.kind === 'error' ? 'error' : ''), r.text);
      d.dataset.kind = r.kind;
      if (r.question) d.dataset.question = r.question;
      if (r.multiple) d.dataset.multiple = '1';
      if (r.expects === 'photo') photoRow.style.display = 'block';
      if (r.choices && r.choices.length) {
        const c = document.createElement('div');
        c.className = 'choices';
        multi = [];
        r.choices.forEach(function (ch) {
          const btn = document.createElement('button');
          btn.type = 'button';
          btn.textContent = ch.label;
          btn.addEventListener('click', function () {
            if (r.multiple && ch.value !== '跳过') {
              const i = multi.indexOf(ch.value);
              if (i >= 0) { multi.splice(i, 1); btn.classList.remove('on'); }
              else { multi.push(ch.value); btn.classList.add('on'); }
              text.value = multi.join('，');
              return;
            }
            send(ch.value);
          });
          c.appendChild(btn);
        });
        log.appendChild(c);
      }
    });
    window.scrollTo(0, document.body.scrollHeight);
  }
  function newId() {
    return 'w' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }
  async function call(url, init) {
    status.textContent = '';
    try {
      const res = await fetch(url, Object.assign({credentials: 'same-origin'}, init));
      if (!res.ok) {
        status.textContent = res.status === 413 ? '照片太大了，请换一张小一些的。'
          : res.status === 415 ? '请上传 JPG 或 PNG 格式的照片。' : '发送失败，请稍后再试。';
        return;
      }
      const data = await res.json();
      // the conversation so far (on opening the page again): plain bubbles, the buttons only on what is asked now
      (data.history || []).forEach(function (h) {
        if (h.direction === 'in') bubble('me', h.text);
        else bubble('bot ' + (h.kind === 'error' ? 'error' : ''), h.text).dataset.kind = h.kind;
      });
      show(data.replies);
    } catch (e) {
      status.textContent = '网络不通，请检查网络后再试。';
    }
  }
  async function send(value) {
    value = (value || '').trim();
    if (!value || busy) return;
    busy = true;
    bubble('me', value);
    text.value = '';
    multi = [];
    await call('/chat/' + name + '/messages', {
      method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({text: value, message_id: newId()})
    });
    busy = false;
    text.focus();
  }
  document.getElementById('f').addEventListener('submit', function (e) { e.preventDefault(); send(text.value); });
  photo.addEventListener('change', async function () {
    if (!photo.files.length) return;
    const fd = new FormData();
    fd.append('file', photo.files[0]);
    bubble('me', '［照片］');
    await call('/chat/' + name + '/photo', {method: 'POST', body: fd});
    photo.value = '';
  });
  call('/chat/' + name + '/resume', {method: 'GET'});
})();
