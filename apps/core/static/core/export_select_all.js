// The admin export page's "Select all" box, under the site's Content-Security-Policy (script-src 'self'):
// django-import-export wires it with an inline onchange attribute, which the policy refuses. The admin
// (apps.core.admin.ValidatedImportExportMixin.export_action) drops that attribute; the same handler, from
// export_selectable_fields.js, is attached here.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", onSelectToggleChange);
  });
});
