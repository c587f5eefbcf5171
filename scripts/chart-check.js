// Every chart mark against its table (the one statement of the rule, used by scripts/check-html.sh on report files
// and by scripts/check-dashboard.py on the server's pages): each mark's number (data-value) equals the number in
// the table cell with the same data-key, and it is drawn where its number says (a bar's height is data-factor ×
// value; a dot's centre is data-origin + data-factor × value, within 0.05 px). `needsChart`: a page with no chart
// or no table is a problem. Returns {problems: [...], checked: marks}.
function hospitalTwinChartCheck(needsChart) {
  var problems = [];
  var marks = document.querySelectorAll('svg [data-key]');
  var cells = {};
  document.querySelectorAll('td[data-key]').forEach(function (td) { cells[td.getAttribute('data-key')] = td; });
  var checked = 0;
  marks.forEach(function (mark) {
    var key = mark.getAttribute('data-key'), value = parseFloat(mark.getAttribute('data-value'));
    var cell = cells[key];
    if (!cell) { problems.push('no table cell for chart mark ' + key); return; }
    var tableValue = parseFloat(cell.getAttribute('data-value'));
    if (!(Math.abs(tableValue - value) <= 1e-9 * Math.max(1, Math.abs(value)))) {
      problems.push(key + ': chart ' + value + ' but table ' + tableValue);
    }
    var svg = mark.closest('svg'), kind = svg.getAttribute('data-chart');
    var factor = parseFloat(svg.getAttribute('data-factor')), origin = parseFloat(svg.getAttribute('data-origin'));
    var box = mark.getBBox();
    var drawn, expected;
    if (kind === 'bars') { drawn = box.height; expected = factor * value; }
    else if (kind === 'intervals') { drawn = box.x + box.width / 2; expected = origin + factor * value; }
    else if (kind === 'fan') { drawn = box.y + box.height / 2; expected = origin + factor * value; }
    else { problems.push(key + ': unknown chart kind ' + kind); return; }
    if (!(Math.abs(drawn - expected) <= 0.05)) { problems.push(key + ': drawn at ' + drawn + ', the value puts it at ' + expected); }
    checked += 1;
  });
  if (needsChart && document.querySelectorAll('svg[data-chart]').length === 0) { problems.push('no chart'); }
  if (needsChart && document.querySelectorAll('table').length === 0) { problems.push('no table'); }
  return {problems: problems, checked: checked};
}
