/*
 * The self check-in screen (templates/attendance/admin/screen.html): puts the next code in
 * place as each one ends. The server says when to ask again (`refresh`, seconds); a failed
 * request is tried again a few seconds later, and the code on show stays good meanwhile (the
 * previous step's code is still accepted).
 */
(function () {
    "use strict";

    var screen = document.querySelector("[data-checkin-screen]");
    var live = document.querySelector("[data-checkin-screen-live]");
    if (!screen || !live) {
        return;
    }
    var RETRY_SECONDS = 5;

    function later(seconds) {
        window.setTimeout(next, Math.max(1, seconds) * 1000 + 300);
    }

    function next() {
        fetch(screen.dataset.codeUrl, {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
            cache: "no-store",
        })
            .then(function (response) {
                if (!response.ok) {
                    throw new Error(response.status);
                }
                return response.json();
            })
            .then(function (data) {
                live.innerHTML = data.html;
                later(data.refresh);
            })
            .catch(function () {
                later(RETRY_SECONDS);
            });
    }

    later(Number(screen.dataset.refresh) || RETRY_SECONDS);
})();
