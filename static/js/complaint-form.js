/* Complaint form, progressive enhancement only: the form works the same without it.
   - shows the guidance of the chosen category (without JS every category is a <details>);
   - marks which contact preview applies as the consent box is ticked. */
(function () {
  "use strict";
  var form = document.getElementById("complaint-form");
  if (!form) { return; }
  document.documentElement.classList.add("js");

  var category = form.querySelector("select[name=category]");
  var items = Array.prototype.slice.call(document.querySelectorAll(".guidance-item"));
  function showGuidance() {
    var value = category ? category.value : "";
    items.forEach(function (item) {
      var match = item.getAttribute("data-category") === value;
      item.classList.toggle("is-hidden", Boolean(value) && !match);
      if (match) { item.open = true; }
    });
  }
  if (category) {
    category.addEventListener("change", showGuidance);
    showGuidance();
  }

  var share = form.querySelector("input[name=share_contact]");
  var options = Array.prototype.slice.call(document.querySelectorAll(".preview-option"));
  function showPreview() {
    options.forEach(function (option) {
      var yes = option.getAttribute("data-share") === "yes";
      option.classList.toggle("chosen", yes === share.checked);
    });
  }
  if (share) {
    share.addEventListener("change", showPreview);
    showPreview();
  }
})();
