// The collector's console: open an interview from the roster, then answer by voice or by typing.
(function () {
  'use strict';

  var MESSAGES = {
    403: '抱歉，您的岗位没有采集的权限。',
    404: '没有找到这个人，或者不在您负责的地区范围内。',
    422: '填写的内容有误，请检查后再试。'
  };

  function $(id) { return document.getElementById(id); }

  // -- the roster page ---------------------------------------------------------------------

  function setupPicker(form) {
    var msg = $('open-msg');

    async function open(body) {
      msg.textContent = '';
      var mode = form.querySelector('input[name=mode]:checked');
      if (!$('consent').checked) {
        msg.textContent = '请先向对方说明登记用途并征得同意，然后勾选“对方同意登记”。';
        return;
      }
      body.questionnaire = form.dataset.questionnaire;
      body.mode = mode ? mode.value : 'phone';
      var point = $('point-id');
      if (body.mode === 'window' && point) body.point_id = Number(point.value);
      body.consent = true;
      var got = await window.intakeApi.callJson('/api/interviews', 'POST', body);
      var data = got.body;
      if (got.status === 0) { msg.textContent = window.intakeApi.NETWORK; return; }
      if (got.status === 401) return;  // on the way to the login page
      if (!got.ok) {
        var detail = data && typeof data.detail === 'string' ? data.detail : '';
        msg.textContent = got.status === 422 && detail.indexOf('id_number') === 0
          ? '身份证号不对，请核对后重新输入。' : (MESSAGES[got.status] || '系统暂时出了点问题，请稍后再试。');
        return;
      }
      location.assign('/admin/collect/' + data.id);
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var number = $('id-number').value.trim();
      if (!number) { msg.textContent = '请输入身份证号，或者从下面的名单中选择。'; return; }
      open({id_number: number});
    });
    document.querySelectorAll('#roster button.start').forEach(function (button) {
      button.addEventListener('click', function () { open({person_id: Number(button.dataset.person)}); });
    });
  }

  // -- the interview page ------------------------------------------------------------------

  function setupInterview(box) {
    var id = box.dataset.id;
    var voice = box.dataset.voice === 'on';
    var socket = null;
    var heardText = null;   // what was heard and not yet taken
    var mic = null;         // {stream, context, node} while listening
    var queue = [];         // audio captured before the server is ready to listen
    var ready = false;
    var retry = 0;

    function say(text) { $('msg').textContent = text || ''; }
    function micState(text) { $('mic-state').textContent = text; }

    function log(text, who) {
      var li = document.createElement('li');
      li.className = who;
      li.textContent = text;
      $('log').appendChild(li);
      li.scrollIntoView({block: 'nearest'});
    }

    function render(state) {
      $('answered').textContent = state.answered;
      var ask = $('ask');
      ask.dataset.phase = state.phase;
      ask.dataset.question = state.question ? state.question.key : '';
      $('q-section').textContent = state.question ? state.question.section : '';
      $('q-title').textContent = state.question ? state.question.title
        : (state.phase === 'review' ? '请和对方核对' : (state.phase === 'done' ? '已提交' : ''));
      state.replies.forEach(function (r) { log(r.text, 'bot'); });
      var last = state.replies.length ? state.replies[state.replies.length - 1] : null;
      if (last) $('q-prompt').textContent = last.text;
      var options = $('q-options');
      options.textContent = '';
      (last ? last.choices : []).forEach(function (choice) {
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'option';
        b.dataset.value = choice.value;
        b.textContent = choice.label;
        options.appendChild(b);
      });
      if (state.person) {
        $('p-name').textContent = state.person.name || '（未登记）';
        $('p-phone').textContent = state.person.phone || '（未登记）';
      }
      clearHeard();
      $('answer-text').value = '';
    }

    function clearHeard() {
      heardText = null;
      $('heard').textContent = '';
      $('heard').className = 'heard';
      $('repeat').hidden = true;
      $('partial').textContent = '';
    }

    function showHeard(m) {
      stopMic();
      $('partial').textContent = '';
      var heard = $('heard');
      if (m.unknown) {
        heardText = null;
        heard.className = 'heard doubtful';
        heard.textContent = '没听清，或者不是这一题的选项。请点“开始说话”重说，或者直接输入。';
        micState('');
        return;
      }
      heardText = m.text;
      $('answer-text').value = m.text;
      var text = '识别结果：“' + m.text + '”';
      if (m.value) text += '，将填为：' + m.value;
      if (m.problem) text += '。' + m.problem;
      if (m.doubtful) text += '（识别把握不大，请和对方核对）';
      heard.className = m.doubtful || m.problem ? 'heard doubtful' : 'heard';
      heard.textContent = text;
      $('repeat').hidden = false;
      micState('核对无误请点“提交”；不对可以修改文字，或点“重说”。');
      $('submit').focus();
    }

    function send(obj) {
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        say('连接已断开，正在重新连接，请稍候再试。');
        return false;
      }
      socket.send(JSON.stringify(obj));
      return true;
    }

    function connect() {
      var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
      socket = new WebSocket(scheme + location.host + '/api/interviews/' + id + '/listen');
      socket.binaryType = 'arraybuffer';
      var opening = true;  // the first turn repeats where the interview stands: it replaces the log
      socket.onopen = function () { retry = 0; say(''); box.dataset.connected = 'yes'; };
      socket.onmessage = function (ev) {
        var m = JSON.parse(ev.data);
        if (m.type === 'turn') {
          say('');
          if (opening) $('log').textContent = '';
          opening = false;
          render(m);
        }
        else if (m.type === 'listening') {
          ready = true;
          queue.forEach(function (chunk) { socket.send(chunk); });
          queue = [];
          micState('正在听…');
        } else if (m.type === 'partial') $('partial').textContent = m.text;
        else if (m.type === 'heard') showHeard(m);
        else if (m.type === 'ready') { clearHeard(); micState('请点“开始说话”。'); }
        else if (m.type === 'error') { stopMic(); say(m.message); }
      };
      socket.onclose = function (ev) {
        box.dataset.connected = 'no';
        stopMic();
        if (ev.code === 1008) { say('没有权限打开这次采集，请重新登录后再试。'); return; }
        say('连接已断开，正在重新连接…');
        retry = Math.min(retry + 1, 5);
        setTimeout(connect, 1000 * retry);
      };
    }

    async function startMic() {
      say('');
      clearHeard();
      if (!navigator.mediaDevices || !window.AudioWorkletNode) {
        say('这个浏览器不能使用麦克风，请用新版 Chrome 或 Edge，或者直接输入。');
        return;
      }
      ready = false;
      queue = [];
      if (!send({type: 'listen'})) return;
      try {
        var stream = await navigator.mediaDevices.getUserMedia({audio: {channelCount: 1, echoCancellation: true,
                                                                       noiseSuppression: true}});
        var context = new AudioContext({sampleRate: 16000});
        await context.audioWorklet.addModule('/admin/static/collect-worklet.js');
        var source = context.createMediaStreamSource(stream);
        var node = new AudioWorkletNode(context, 'pcm-sender');
        node.port.onmessage = function (ev) {
          if (!mic) return;
          if (ready && socket.readyState === WebSocket.OPEN) socket.send(ev.data);
          else queue.push(ev.data);
        };
        source.connect(node);
        mic = {stream: stream, context: context, node: node};
        $('mic').classList.add('on');
        $('listen').hidden = true;
        $('stop').hidden = false;
        micState('正在听…');
      } catch (e) {
        send({type: 'repeat'});
        say('没能打开麦克风，请允许浏览器使用麦克风，或者直接输入。');
      }
    }

    function stopMic() {
      if (mic) {
        mic.node.port.onmessage = null;
        mic.stream.getTracks().forEach(function (t) { t.stop(); });
        mic.context.close();
        mic = null;
      }
      $('mic').classList.remove('on');
      $('listen').hidden = false;
      $('stop').hidden = true;
    }

    function answer(text) {
      if (heardText !== null && text === heardText) {
        if (send({type: 'accept'})) log(text + '（语音）', 'me');
      } else if (send({type: 'text', text: text})) {
        log(text, 'me');
      }
    }

    $('answer').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var text = $('answer-text').value.trim();
      if (!text) { say('请输入回答的内容，或者点“开始说话”。'); return; }
      say('');
      answer(text);
    });
    $('q-options').addEventListener('click', function (ev) {
      var b = ev.target;
      if (b instanceof HTMLButtonElement && b.dataset.value) {
        stopMic();
        heardText = null;
        if (send({type: 'text', text: b.dataset.value})) log(b.dataset.value, 'me');
      }
    });
    $('make-link').addEventListener('click', async function () {
      var button = $('make-link');
      $('link-msg').textContent = '';
      button.disabled = true;
      var got = await window.intakeApi.callJson('/api/interviews/' + id + '/link-code', 'POST', {});
      button.disabled = false;
      if (got.status === 0) { $('link-msg').textContent = window.intakeApi.NETWORK; return; }
      if (got.status === 401) return;  // on the way to the login page
      if (!got.ok) {
        $('link-msg').textContent = got.status === 409 ? '这个人的身份还没有核实，不能生成绑定码。'
          : (MESSAGES[got.status] || '系统暂时出了点问题，请稍后再试。');
        return;
      }
      var shown = $('link-shown');
      shown.textContent = got.body.message;  // shown this once: it is kept only as a digest
      shown.hidden = false;
      button.textContent = '重新生成绑定码';
    });
    $('listen').addEventListener('click', startMic);
    $('stop').addEventListener('click', function () { send({type: 'stop'}); stopMic(); micState('正在识别…'); });
    $('repeat').addEventListener('click', function () { send({type: 'repeat'}); startMic(); });
    if (!voice) $('mic').hidden = true;
    connect();
  }

  document.addEventListener('DOMContentLoaded', function () {
    var form = $('open');
    if (form) setupPicker(form);
    var box = $('interview');
    if (box) setupInterview(box);
  });
})();
