/* Complaint form, progressive enhancement only: the form works the same without it.
   - shows the guidance of the chosen category (without JS every category is a <details>);
   - marks which contact preview applies as the consent box is ticked;
   - checks the evidence files (count, size, type read from the file's first bytes) before the
     form is sent, so a refused file never costs what was typed. The server checks them again.
   The limits and the texts come from the page (json_script "evidence-limits"), translated. */
(function () {
  "use strict";
  var form = document.getElementById("complaint-form");
  if (!form) { return; }
  document.documentElement.classList.add("js");

  // The form's one-time token, kept as the page's own state: a browser saves a field for the
  // history only when its value differs from the markup's, so the markup's is moved into the
  // value. Back, then submit again, sends the same token with what was typed, and the server
  // answers with the case this form filed instead of filing another.
  var token = form.querySelector("input[name=filing_token]");
  if (token) {
    var value = token.value;
    token.removeAttribute("value");
    token.value = value;
  }

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

  // The incidents the council handles: only those about the merchant chosen (or named) are
  // offered; the box shows only when there is one. Without the script every incident is listed.
  var incidentBox = document.getElementById("incident-fields");
  var merchant = form.querySelector("select[name=merchant]");
  var merchantName = form.querySelector("input[name=merchant_name]");
  function showIncidents() {
    if (!incidentBox) { return; }
    var chosen = merchant ? merchant.value : "";
    var named = merchantName ? merchantName.value.trim().toLowerCase() : "";
    var any = false;
    Array.prototype.forEach.call(incidentBox.querySelectorAll("input[name=incident]"), function (radio) {
      if (!radio.value) { return; }
      var about = radio.getAttribute("data-merchant") || "";
      var aboutName = (radio.getAttribute("data-merchant-name") || "").trim().toLowerCase();
      var match = about ? about === chosen : (!chosen && named !== "" && aboutName === named);
      var row = radio.closest("label") ? radio.closest("label").parentNode : radio.parentNode;
      row.classList.toggle("is-hidden", !match);
      if (!match && radio.checked) { radio.checked = false; }
      any = any || match;
    });
    incidentBox.classList.toggle("is-hidden", !any);
  }
  if (incidentBox) {
    if (merchant) { merchant.addEventListener("change", showIncidents); }
    if (merchantName) { merchantName.addEventListener("input", showIncidents); }
    showIncidents();
  }

  var limitsNode = document.getElementById("evidence-limits");
  var input = form.querySelector("input[type=file][name=evidence]");
  var list = document.getElementById("evidence-check");
  if (!limitsNode || !input || !list || !window.Promise || !window.Blob || !Blob.prototype.arrayBuffer) { return; }
  var limits = JSON.parse(limitsNode.textContent);
  var checked = null; // the files last checked and what was wrong with them

  function say(text, name) { return text.replace("%(file)s", name); }

  // The same signatures the server reads (complaints/evidence.py sniff).
  function knownType(bytes) {
    function starts(sig) {
      for (var i = 0; i < sig.length; i++) { if (bytes[i] !== sig[i]) { return false; } }
      return true;
    }
    var riff = starts([0x52, 0x49, 0x46, 0x46]) && bytes[8] === 0x57 && bytes[9] === 0x45 &&
      bytes[10] === 0x42 && bytes[11] === 0x50;
    return riff || starts([0xff, 0xd8, 0xff]) || starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) ||
      starts([0x25, 0x50, 0x44, 0x46, 0x2d]);
  }

  // What is wrong with the files, in the order they were chosen ("" for a file that is fine).
  function check(files) {
    var first = files.length > limits.max_files ? [limits.messages.too_many] : [];
    return Promise.all(files.map(function (file) {
      if (file.size > limits.max_bytes) { return say(limits.messages.too_large, file.name); }
      return file.slice(0, 16).arrayBuffer().then(function (head) {
        return knownType(new Uint8Array(head)) ? "" : say(limits.messages.wrong_type, file.name);
      }, function () {
        return say(limits.messages.wrong_type, file.name);
      });
    })).then(function (each) { return first.concat(each.filter(Boolean)); });
  }

  function show(problems) {
    list.textContent = "";
    problems.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    });
    list.hidden = problems.length === 0;
    if (problems.length) { input.setAttribute("aria-describedby", "evidence-check"); }
    input.setAttribute("aria-invalid", problems.length ? "true" : "false");
  }

  function run() {
    var files = Array.prototype.slice.call(input.files || []);
    var job = { files: input.files, problems: null };
    checked = job;
    return check(files).then(function (problems) {
      job.problems = problems;
      if (checked === job) { show(problems); }
      return problems;
    });
  }

  input.addEventListener("change", run);

  form.addEventListener("submit", function (event) {
    if (!input.files || !input.files.length) { return; }
    if (checked && checked.files === input.files && checked.problems) {
      if (checked.problems.length) {
        event.preventDefault();
        show(checked.problems);
        input.focus();
      }
      return;
    }
    // Not checked yet (the check reads the files' first bytes): check, then send again.
    event.preventDefault();
    var submitter = event.submitter || null;
    run().then(function (problems) {
      if (problems.length) {
        input.focus();
      } else if (form.requestSubmit) {
        form.requestSubmit(submitter);
      } else {
        form.submit();
      }
    });
  });
})();
