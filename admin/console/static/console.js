// The staff console: forms marked data-api are sent to the staff API as JSON with the session cookie.
(function () {
  'use strict';

  var MESSAGES = {
    401: '登录已过期，请重新登录。',
    403: '抱歉，您的岗位没有这项操作的权限。',
    404: '没有找到，或者不在您负责的地区范围内。',
    409: '这一项已经处理过了，请刷新页面查看。',
    422: '填写的内容有误，请检查后再试。',
    423: '密码输错次数过多，账号已锁定15分钟，请稍后再试。',
    429: '这台电脑登录失败的次数过多，请过15分钟再试。',
    503: '登录的人太多了，请过几秒钟再试。'
  };

  function problem(form, status, body) {
    if (status === 401 && form.hasAttribute('data-login')) return '用户名或密码不正确，请重新输入。';
    var detail = body && typeof body.detail === 'string' ? body.detail : '';
    if (status === 403 && /^(CSRF|cross-site)/.test(detail)) return '页面已过期，请刷新页面后再试。';
    if (form.hasAttribute('data-mapping')) {
      if (status === 413) return '文件太大了，不能超过50MB。';
      if (status === 422) return '导入失败，请检查文件格式、列名和对应的问题。（' + detail + '）';
    }
    if (status === 422 && /[\u4e00-\u9fff]/.test(detail)) {
      var cut = detail.indexOf(': ');
      return '没能识别：' + (cut >= 0 ? detail.slice(cut + 2) : detail);
    }
    return MESSAGES[status] || '系统暂时出了点问题，请稍后再试。';
  }

  function fields(form) {
    var data = {};
    new FormData(form).forEach(function (value, key) {
      if (typeof value === 'string' && value !== '') data[key] = value;
    });
    return data;
  }

  // The import form of the reconciliation page: a file upload, with the column mapping sent as JSON.
  function request(form) {
    if (!form.hasAttribute('data-mapping')) {
      return {headers: {'Content-Type': 'application/json', 'Accept': 'application/json'},
              body: JSON.stringify(fields(form))};
    }
    var data = new FormData(form);
    var mapping = {id_column: String(data.get('id_column') || '').trim(), columns: {}};
    var name = String(data.get('name_column') || '').trim();
    if (name) mapping.name_column = name;
    for (var i = 0; data.has('map_col_' + i); i++) {
      var column = String(data.get('map_col_' + i) || '').trim();
      var key = String(data.get('map_key_' + i) || '');
      if (column && key) mapping.columns[column] = key;
    }
    var out = new FormData();
    data.forEach(function (value, key) {
      if (key !== 'id_column' && key !== 'name_column' && key.indexOf('map_') !== 0) out.append(key, value);
    });
    out.append('mapping', JSON.stringify(mapping));
    return {headers: {'Accept': 'application/json'}, body: out};
  }

  var NETWORK = '网络不通，请检查网络后再试。';

  // The login's CSRF token, which every state-changing request must carry (admin/web/csrf.py).
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  // One request to the staff API with the session cookie: {status, ok, body}, status 0 when the network
  // failed. An expired login (401) goes to the login page, unless ``keepOn401`` (the login form itself).
  async function call(url, method, headers, body, keepOn401) {
    var res, data = null;
    var token = csrfToken();
    if (token && method !== 'GET' && method !== 'HEAD') headers = Object.assign({'X-CSRF-Token': token}, headers);
    try {
      res = await fetch(url, {method: method, credentials: 'same-origin', headers: headers, body: body});
      if (res.status !== 204) {
        try { data = await res.json(); } catch (e) { data = null; }
      }
    } catch (e) {
      return {status: 0, ok: false, body: null};
    }
    if (res.status === 401 && !keepOn401) {
      location.assign('/admin/login?next=' + encodeURIComponent(location.pathname + location.search));
    }
    return {status: res.status, ok: res.ok, body: data};
  }

  // The same with a JSON body; what the collector's and the workflow pages use.
  function callJson(url, method, payload) {
    return call(url, method, {'Content-Type': 'application/json', 'Accept': 'application/json'},
                JSON.stringify(payload), false);
  }

  window.intakeApi = {callJson: callJson, NETWORK: NETWORK};

  async function send(form) {
    var msg = form.querySelector('.msg');
    var buttons = form.querySelectorAll('button');
    function say(text) { if (msg) msg.textContent = text; }
    say('');
    buttons.forEach(function (b) { b.disabled = true; });
    var req = request(form);
    var got = await call(form.dataset.api, form.dataset.method || 'POST', req.headers, req.body,
                         form.hasAttribute('data-login'));
    var body = got.body;
    buttons.forEach(function (b) { b.disabled = false; });
    if (got.status === 0) { say(NETWORK); return; }
    if (!got.ok) {
      if (got.status !== 401 || form.hasAttribute('data-login')) say(problem(form, got.status, body));
      return;
    }
    var done = form.dataset.done || 'reload';
    if (done === 'reveal') {
      var target = document.getElementById(form.dataset.target || '');
      var field = form.dataset.field || 'value';  // which field of the answer holds the value shown
      if (target) target.textContent = body && body[field] != null ? body[field] : '（未填写）';
      form.remove();
      return;
    }
    if (form.dataset.ok) sessionStorage.setItem('intake-flash', form.dataset.ok);
    if (done === 'goto' && body && body.id != null) location.assign((form.dataset.next || '').replace('{id}', body.id));
    else if (done === 'redirect') location.assign(form.dataset.next || '/admin');
    else location.reload();
  }

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
    ev.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    send(form);
  });

  document.addEventListener('change', function (ev) {
    var el = ev.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute('data-autosubmit') && el.form) el.form.submit();
  });

  document.addEventListener('DOMContentLoaded', function () {
    var flash = sessionStorage.getItem('intake-flash');
    var box = document.getElementById('flash');
    if (flash && box) {
      box.textContent = flash;
      box.hidden = false;
    }
    sessionStorage.removeItem('intake-flash');
  });
})();
