// report.html's only script (inlined; allowed by its hash in the page's Content-Security-Policy)
document.querySelectorAll("table.sortable th").forEach(function(th){th.addEventListener("click",function(){
 var t=th.closest("table"),b=t.tBodies[0],i=th.cellIndex,d=th.dataset.d=th.dataset.d==="a"?"d":"a";
 var v=function(r){var c=r.cells[i];return c.dataset.v!==undefined?parseFloat(c.dataset.v):isNaN(c.textContent)?c.textContent:parseFloat(c.textContent)};
 Array.from(b.rows).sort(function(x,y){var p=v(x),q=v(y);return (p>q?1:p<q?-1:0)*(d==="a"?1:-1)}).forEach(function(r){b.appendChild(r)});});});
document.querySelectorAll("input.filter").forEach(function(inp){inp.addEventListener("input",function(){
 var q=inp.value.toLowerCase();Array.from(document.getElementById(inp.dataset.table).tBodies[0].rows).forEach(function(r){
 r.style.display=r.textContent.toLowerCase().indexOf(q)<0?"none":""});});});
document.body.setAttribute("data-js","ready");
