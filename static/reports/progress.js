// While a report is being built, reload its progress page every 2 seconds.
// (Without JavaScript a <noscript> meta refresh does the same; axe forbids a bare meta refresh.)
if (document.getElementById('report-progress')) {
  window.setTimeout(function () { window.location.reload(); }, 2000);
}
