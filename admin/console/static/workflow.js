// The console page 审核上报: posts the ticked records to the workflow API and shows its refusals in Chinese.
(function () {
  'use strict';

  var REFUSED_KEY = 'intake-workflow-refused';
  var STAGES = {
    'collected': '已采集，待乡镇审核', 'township_reviewed': '乡镇已审核', 'county_checked': '县级已抽查',
    'city_accepted': '市级已验收', 'province_accepted': '省级已验收', 'returned': '已退回修改',
    'in progress': '填写中'
  };
  var LEVELS = {'village': '村级', 'township': '乡镇', 'county': '县级', 'prefecture': '市级', 'province': '省级'};

  function stage(code) { return STAGES[code] || code; }

  // The API's reasons are English; staff read Chinese.
  function reason(text) {
    var m;
    if (/^open flags/.test(text)) return '还有待审核的问题，请先在审核队列处理后再上报。';
    if ((m = /^spot check not passed yet for records \[(.*)\]$/.exec(text))) {
      return '县级抽查还没有全部通过（记录号 ' + m[1].split(/,\s*/).join('、') + '），全部通过后才能上报。';
    }
    if ((m = /^the record is at (.+), above what/.exec(text))) {
      return '这条记录已到“' + stage(m[1]) + '”，超出了您所在层级可以退回的范围。';
    }
    if ((m = /^the record is at (.+), not (.+)$/.exec(text))) {
      if (m[1] === 'returned') return '这条记录已退回修改，重新提交后才能办理。';
      if (m[1] === 'in progress') return '这条记录还在填写中，没有提交，不能上报。';
      return '这条记录现在是“' + stage(m[1]) + '”，不是“' + stage(m[2]) + '”，不能办理这一步。';
    }
    if (/already been sent back/.test(text)) return '这条记录已经退回过了。';
    if (/not submitted/.test(text)) return '这条记录还没有提交，不能退回。';
    return '未能办理，请刷新页面后再试。';
  }

  function problem(status, body) {
    var detail = body && typeof body.detail === 'string' ? body.detail : '';
    var m = /^only (\w+)-level/.exec(detail);
    if (status === 403 && m) return '这一步应由' + (LEVELS[m[1]] || '') + '工作人员办理。';
    if (status === 403) return '抱歉，您的岗位没有这项操作的权限。';
    if (status === 404) return '有记录不在您负责的地区范围内，或者已经不存在，请刷新页面后再试。';
    if (status === 422) return '填写的内容有误，请检查后再试。';
    return '系统暂时出了点问题，请稍后再试。';
  }

  function ticked(form) {
    var list = document.getElementById(form.dataset.list || '');
    if (!list) return [];
    return Array.prototype.map.call(list.querySelectorAll('input[name=record_id]:checked'), function (box) {
      return Number(box.value);
    });
  }

  // What to send for a form, or a message saying what is missing.
  function payload(form) {
    var kind = form.dataset.workflow;
    if (kind === 'rate') {
      var pct = Number(form.elements.namedItem('percent').value);
      if (!(pct > 0 && pct <= 100)) return {error: '请填写 1 到 100 之间的比例。'};
      return {url: '/api/workflow/rate/' + encodeURIComponent(form.dataset.campaign || ''), method: 'PUT',
              body: {rate: pct / 100}};
    }
    var ids = ticked(form);
    if (!ids.length) return {error: kind === 'return' ? '请先勾选要退回的记录。' : '请先勾选要办理的记录。'};
    if (kind === 'return') {
      var text = String(form.elements.namedItem('reason').value || '').trim();
      if (text.length < 2) return {error: '请写明退回原因（至少两个字）。'};
      return {url: '/api/workflow/return', method: 'POST', body: {record_ids: ids, reason: text}};
    }
    return {url: '/api/workflow/advance', method: 'POST', body: {record_ids: ids, to: form.dataset.to}};
  }

  async function send(form) {
    var msg = form.querySelector('.msg');
    var buttons = form.querySelectorAll('button');
    function say(text) { if (msg) msg.textContent = text; }
    say('');
    var req = payload(form);
    if (req.error) { say(req.error); return; }
    buttons.forEach(function (b) { b.disabled = true; });
    var got = await window.intakeApi.callJson(req.url, req.method, req.body);
    var body = got.body;
    buttons.forEach(function (b) { b.disabled = false; });
    if (got.status === 0) { say(window.intakeApi.NETWORK); return; }
    if (got.status === 401) return;  // on the way to the login page
    if (!got.ok) { say(problem(got.status, body)); return; }
    var flash = '抽查比例已保存。';
    if (form.dataset.workflow !== 'rate') {
      var refused = {};
      var count = 0;
      Object.keys((body && body.refused) || {}).forEach(function (id) {
        refused[id] = reason(body.refused[id]);
        count += 1;
      });
      var done = form.dataset.workflow === 'return' ? '退回' : (form.querySelector('button') || {}).textContent || '办理';
      flash = '已' + done + ' ' + ((body && body.moved) || []).length + ' 条。';
      if (count) {
        flash += count + ' 条未能办理，原因见列表中的说明。';
        sessionStorage.setItem(REFUSED_KEY, JSON.stringify(refused));
      }
    }
    sessionStorage.setItem('intake-flash', flash);
    location.reload();
  }

  // After the reload: each refused record that is still listed shows why.
  function showRefused() {
    var saved = sessionStorage.getItem(REFUSED_KEY);
    sessionStorage.removeItem(REFUSED_KEY);
    if (!saved) return;
    var refused;
    try { refused = JSON.parse(saved); } catch (e) { return; }
    Object.keys(refused).forEach(function (id) {
      var row = document.querySelector('tr[data-record="' + id.replace(/\D/g, '') + '"]');
      var cell = row && row.querySelector('.refusal');
      if (!cell) return;
      cell.textContent = refused[id];
      row.classList.add('refused');
    });
  }

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.workflow) return;
    ev.preventDefault();
    send(form);
  });

  document.addEventListener('change', function (ev) {
    var box = ev.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute('data-check-all')) return;
    var table = box.closest('table');
    if (!table) return;
    table.querySelectorAll('input[name=record_id]').forEach(function (other) { other.checked = box.checked; });
  });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', showRefused);
  else showRefused();
})();
