"use strict";
// The booking form (booking/admin/bookings.py, BookingAdmin): as soon as a resource is chosen, the
// period's label names that resource's venue time zone, the zone its times are read in.
// The hidden "shown in" input is left alone: when a booking moves to a venue in another
// zone, booking/forms.py still asks to check the times before it saves them.
window.addEventListener("load", function () {
    const $ = window.django && window.django.jQuery;
    const select = document.getElementById("id_resource");
    const label = document.querySelector(".field-period label");
    const endpoint = document.getElementById("rb-resource-zone-url");
    if (!$ || !select || select.tagName !== "SELECT" || !label || !endpoint) {
        return;
    }
    $(select).on("change", function () {
        if (!select.value) {
            return;
        }
        const url = endpoint.dataset.url.replace(/0\/$/, encodeURIComponent(select.value) + "/");
        fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
            .then((response) => (response.ok ? response.json() : null))
            .then((answer) => {
                if (answer) {
                    label.textContent = answer.label;
                }
            })
            .catch(() => {});
    });
});
