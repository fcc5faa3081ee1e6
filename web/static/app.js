// Progressive enhancement only: every link works without this file.
// A click on a flow's copy-link anchor copies its absolute URL instead of
// following it; modified clicks (new tab, etc.) behave as usual.
document.addEventListener("click", function (ev) {
	var a = ev.target.closest && ev.target.closest("a[data-copy]");
	if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
	if (!navigator.clipboard || !window.isSecureContext) return;
	ev.preventDefault();
	navigator.clipboard.writeText(a.href).then(function () {
		a.classList.add("copied");
		var old = a.getAttribute("title");
		a.setAttribute("title", a.getAttribute("data-copied") || "Link copied");
		setTimeout(function () { a.classList.remove("copied"); a.setAttribute("title", old || ""); }, 1500);
	}, function () { window.location.href = a.href; });
});
