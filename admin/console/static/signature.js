// 签字确认: a signature pad on a canvas (touch, pen and mouse through Pointer Events); the PNG is uploaded
// to the record with the login's cookie and CSRF token, and kept sealed on the server.
(function () {
  'use strict';

  var MESSAGES = {
    403: '抱歉，您的岗位没有采集的权限。',
    404: '没有找到这条记录，或者不在您负责的地区范围内。',
    422: '签字图片有误，请清除后重签。'
  };

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  function setup(box) {
    var canvas = document.getElementById('sign-pad');
    var msg = document.getElementById('sign-msg');
    var ctx = canvas.getContext('2d');
    var drawing = null;  // the pointer id drawing now
    var last = null;
    var strokes = 0;

    function blank() {
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = '#000000';
      ctx.lineWidth = 3;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      strokes = 0;
      box.dataset.strokes = '0';
    }

    function point(ev) {  // the canvas is scaled by CSS: map the pointer to its own pixels
      var rect = canvas.getBoundingClientRect();
      return {x: (ev.clientX - rect.left) * canvas.width / rect.width,
              y: (ev.clientY - rect.top) * canvas.height / rect.height};
    }

    canvas.addEventListener('pointerdown', function (ev) {
      if (drawing !== null) return;
      ev.preventDefault();
      drawing = ev.pointerId;
      canvas.setPointerCapture(ev.pointerId);
      last = point(ev);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fillStyle = '#000000';
      ctx.fill();
    });
    canvas.addEventListener('pointermove', function (ev) {
      if (ev.pointerId !== drawing) return;
      ev.preventDefault();
      var events = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [ev];
      if (!events.length) events = [ev];
      events.forEach(function (e) {
        var p = point(e);
        ctx.beginPath();
        ctx.moveTo(last.x, last.y);
        ctx.lineTo(p.x, p.y);
        ctx.stroke();
        last = p;
      });
    });
    function end(ev) {
      if (ev.pointerId !== drawing) return;
      drawing = null;
      strokes += 1;
      box.dataset.strokes = String(strokes);
    }
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);

    document.getElementById('sign-clear').addEventListener('click', function () { msg.textContent = ''; blank(); });

    document.getElementById('sign-save').addEventListener('click', function () {
      msg.textContent = '';
      if (!strokes) { msg.textContent = '请先请对方签名。'; return; }
      var button = this;
      button.disabled = true;
      canvas.toBlob(async function (png) {
        var form = new FormData();
        form.append('file', png, 'signature.png');
        var res;
        try {
          res = await fetch('/api/records/' + box.dataset.record + '/signature', {
            method: 'POST', credentials: 'same-origin', body: form,
            headers: {'X-CSRF-Token': csrfToken(), 'Accept': 'application/json'}});
        } catch (e) {
          button.disabled = false;
          msg.textContent = '网络不通，请检查网络后再试。';
          return;
        }
        button.disabled = false;
        if (res.status === 401) {
          location.assign('/admin/login?next=' + encodeURIComponent(location.pathname));
          return;
        }
        if (!res.ok) { msg.textContent = MESSAGES[res.status] || '系统暂时出了点问题，请稍后再试。'; return; }
        box.dataset.signed = 'yes';
        document.getElementById('sign-state').textContent = '已签字，可以确认提交了。';
      }, 'image/png');
    });

    blank();
  }

  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('sign');
    if (box) setup(box);
  });
})();
