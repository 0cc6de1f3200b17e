"use strict";
// Drag and drop on the booking calendar (booking/templates/admin/booking/calendar.html).
// A booking dropped on a column moves to the instant at that height: the column's start
// plus the elapsed time the height stands for (DST days are 23 or 25 hours tall), snapped
// to 15 minutes. The page then POSTs the new start to the booking's move view, which calls
// the reschedule service; a click without dragging opens the booking.
(function () {
    const SNAP_MINUTES = 15;
    const THRESHOLD_PX = 5;

    function columnAt(x, y) {
        const element = document.elementFromPoint(x, y);
        return element ? element.closest(".rb-cal-col") : null;
    }

    // `lead`: hours of the booking before the dragged block's top (a booking that began
    // the day before is drawn from midnight on).
    function startAt(column, top, lead) {
        const rect = column.getBoundingClientRect();
        const hours = parseFloat(column.dataset.hours);
        const minutes = ((top - rect.top) / rect.height) * hours * 60 - (lead || 0) * 60;
        const snapped = Math.round(minutes / SNAP_MINUTES) * SNAP_MINUTES;
        const clamped = Math.max(-(lead || 0) * 60, Math.min(snapped, hours * 60 - SNAP_MINUTES));
        return new Date(Date.parse(column.dataset.start) + clamped * 60000);
    }

    function setUp() {
        const calendar = document.querySelector(".rb-cal");
        const form = document.getElementById("rb-cal-drop");
        if (!calendar || !form) {
            return;
        }
        const clock = new Intl.DateTimeFormat("en-GB", {
            timeZone: calendar.dataset.zone, weekday: "short", hour: "2-digit", minute: "2-digit",
        });
        let drag = null;

        calendar.addEventListener("pointerdown", function (event) {
            const block = event.target.closest(".rb-cal-block[data-move-url]");
            if (!block || event.button !== 0 || event.target.closest(".rb-cal-move")) {
                return;
            }
            const rect = block.getBoundingClientRect();
            drag = {block, x: event.clientX, y: event.clientY, grab: event.clientY - rect.top,
                    lead: parseFloat(block.dataset.lead), moved: false, label: null};
        });

        document.addEventListener("pointermove", function (event) {
            if (!drag) {
                return;
            }
            const dx = event.clientX - drag.x;
            const dy = event.clientY - drag.y;
            if (!drag.moved && Math.hypot(dx, dy) < THRESHOLD_PX) {
                return;
            }
            if (!drag.moved) {
                drag.moved = true;
                drag.block.classList.add("rb-cal-dragging");
                drag.label = document.createElement("span");
                drag.label.className = "rb-cal-drop-label";
                document.body.appendChild(drag.label);
            }
            drag.block.style.transform = `translate(${dx}px, ${dy}px)`;
            const column = columnAt(event.clientX, event.clientY);
            drag.label.textContent = column
                ? "→ " + clock.format(startAt(column, event.clientY - drag.grab, drag.lead))
                : "not on a day";
            drag.label.style.left = event.clientX + 12 + "px";
            drag.label.style.top = event.clientY + 12 + "px";
        });

        document.addEventListener("pointerup", function (event) {
            if (!drag) {
                return;
            }
            const {block, moved, grab, lead, label} = drag;
            drag = null;
            if (!moved) {
                return;
            }
            // No click follows on the booking's link: it lets the pointer through while dragged.
            const column = columnAt(event.clientX, event.clientY);
            if (label) {
                label.remove();
            }
            if (!column) {
                block.classList.remove("rb-cal-dragging");
                block.style.transform = "";
                return;
            }
            form.action = block.dataset.moveUrl;
            form.elements.starts_at.value = startAt(column, event.clientY - grab, lead).toISOString();
            form.elements.resource.value = column.dataset.resource;
            form.submit();
        });

        document.addEventListener("keydown", function (event) {
            if (event.key === "Escape" && drag) {
                drag.block.classList.remove("rb-cal-dragging");
                drag.block.style.transform = "";
                if (drag.label) {
                    drag.label.remove();
                }
                drag = null;
            }
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", setUp);
    } else {
        setUp();
    }
})();
