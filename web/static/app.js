// Progressive enhancement only: every link works without this file.
// A click on a flow's copy-link anchor copies its absolute URL instead of
// following it; modified clicks (new tab, etc.) behave as usual. The result is
// said in words in the status box (#copy-status, role=status, so screen
// readers announce it). Where the page cannot write the clipboard (plain HTTP
// on a host other than localhost, a browser that refuses), the box shows the
// URL selected in a field, to be copied with Ctrl+C or ⌘C.
// On a phone the facets start folded so that the listing comes first; without
// this script they stay open.
if (window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
	document.querySelectorAll("details[data-fold-phone]").forEach(function (d) { d.open = false; });
}

(function () {
	var box = document.getElementById("copy-status");
	if (!box) return;
	var msg = box.querySelector(".toast-msg");
	var field = box.querySelector("input");
	var timer;

	function hide() {
		box.classList.remove("on");
		msg.textContent = "";
		field.hidden = true;
	}

	function show(text, selectURL) {
		clearTimeout(timer);
		msg.textContent = text;
		field.hidden = !selectURL;
		box.classList.add("on");
		if (selectURL) {
			field.value = selectURL;
			field.focus();
			field.select();
		} else {
			timer = setTimeout(hide, 4000);
		}
	}

	// fallback copies url by selecting it in the status box's field; where
	// the browser still allows execCommand("copy") that copies it too.
	function fallback(url, link) {
		box.classList.add("on");
		field.hidden = false;
		field.value = url;
		field.focus();
		field.select();
		var ok = false;
		try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
		if (ok) {
			show(box.getAttribute("data-copied"), "");
			link.focus();
		} else show(box.getAttribute("data-select"), url);
	}

	document.addEventListener("click", function (ev) {
		var a = ev.target.closest && ev.target.closest("a[data-copy]");
		if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
		ev.preventDefault();
		var url = a.href;
		if (navigator.clipboard && window.isSecureContext) {
			navigator.clipboard.writeText(url).then(function () {
				show(box.getAttribute("data-copied"), "");
			}, function () { fallback(url, a); });
		} else {
			fallback(url, a);
		}
	});
	document.addEventListener("keydown", function (ev) {
		if (ev.key === "Escape" && box.classList.contains("on")) hide();
	});
})();
