/*
 * 扫码签到: the check-in scanner in the admin (templates/attendance/admin/scanner.html).
 *
 * Reads the rear camera's frames with jsQR (static/vendor/jsqr), posts each code to the
 * check-in API with the admin's session and CSRF token, and shows the trainee's name, unit and
 * the result with a colour and a tone. A code is sent once while it stays in front of the camera
 * and for REPEAT_GAP ms after it was last seen. When the network or the server fails, the scan
 * is kept on the phone (IndexedDB) with its time and sent again when the network is back (the
 * `online` event, a retry timer, or "Send now"); the server records each person once and takes
 * the scan's own time for lateness.
 */
(function () {
    "use strict";

    var root = document.querySelector("[data-scanner]");
    var configElement = document.getElementById("scanner-config");
    if (!root || !configElement) {
        return;
    }
    var config = JSON.parse(configElement.textContent);
    var text = config.messages;
    if (!config.session) {
        return;
    }

    var RETRY_MS = 15000;
    var DECODE_EVERY_MS = 120;
    var DECODE_WIDTH = 640;
    var RECENT = 8;

    var video = root.querySelector("[data-scanner-video]");
    var startButton = root.querySelector("[data-scanner-start]");
    var result = root.querySelector("[data-scanner-result]");
    var verdict = root.querySelector("[data-scanner-verdict]");
    var who = root.querySelector("[data-scanner-who]");
    var detail = root.querySelector("[data-scanner-detail]");
    var queueLine = root.querySelector("[data-scanner-queue]");
    var queueCount = root.querySelector("[data-scanner-queue-count]");
    var flushButton = root.querySelector("[data-scanner-flush]");
    var typedForm = root.querySelector("[data-scanner-typed]");
    var recent = root.querySelector("[data-scanner-recent]");
    var picker = document.querySelector("[data-scanner-pick]");

    function format(message, values) {
        return message.replace(/%\((\w+)\)s/g, function (match, name) {
            return values[name] === undefined ? match : values[name];
        });
    }

    var clock = new Intl.DateTimeFormat("zh-CN", {
        timeZone: config.time_zone,
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
    });

    function localTime(iso) {
        var date = iso ? new Date(iso) : null;
        return date && !isNaN(date) ? clock.format(date) : "";
    }

    function csrfToken() {
        var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : config.csrf_token;
    }

    // -- The server's clock: a queued scan is sent with the time the server would have seen. ----

    var clockOffset = 0;

    // The server's time as it answered, against the phone's: a second's difference is no news
    // (the Date header counts whole seconds).
    function setClock(serverTime) {
        if (!isNaN(serverTime)) {
            var offset = serverTime - Date.now();
            clockOffset = Math.abs(offset) > 1500 ? offset : 0;
        }
    }

    function learnClock(response) {
        setClock(Date.parse(response.headers.get("Date") || ""));
    }

    // The page's own time first, for a network lost before the first check-in.
    setClock(Date.parse(config.server_time));

    function serverNow() {
        return new Date(Date.now() + clockOffset);
    }

    // -- Sound: a short tone per kind of result, made with Web Audio (no file). ------------------

    var audio = null;
    var TONES = {
        ok: [[880, 0.12]],
        late: [[660, 0.12], [660, 0.12]],
        already: [[520, 0.08], [780, 0.08]],
        error: [[220, 0.35]],
        queued: [[440, 0.1]],
    };

    function unlockAudio() {
        var Context = window.AudioContext || window.webkitAudioContext;
        if (!audio && Context) {
            audio = new Context();
        }
        if (audio && audio.state === "suspended") {
            audio.resume();
        }
    }

    function tone(kind) {
        if (navigator.vibrate) {
            navigator.vibrate(kind === "error" ? [80, 60, 80] : 60);
        }
        if (!audio) {
            return;
        }
        var at = audio.currentTime;
        TONES[kind].forEach(function (part) {
            var oscillator = audio.createOscillator();
            var gain = audio.createGain();
            oscillator.type = kind === "error" ? "square" : "sine";
            oscillator.frequency.value = part[0];
            gain.gain.setValueAtTime(0.25, at);
            gain.gain.exponentialRampToValueAtTime(0.001, at + part[1]);
            oscillator.connect(gain);
            gain.connect(audio.destination);
            oscillator.start(at);
            oscillator.stop(at + part[1]);
            at += part[1] + 0.04;
        });
    }

    // -- Showing a result ------------------------------------------------------------------------

    function show(kind, title, person, more) {
        result.className = "scanner__result scanner__result--" + kind;
        verdict.textContent = title;
        who.textContent = person || "";
        detail.textContent = more || "";
        result.dataset.result = kind;
    }

    function remember(kind, title, person) {
        var item = document.createElement("li");
        item.className = "scanner__recent-item scanner__recent-item--" + kind;
        var time = document.createElement("time");
        time.textContent = clock.format(new Date());
        item.appendChild(time);
        item.appendChild(document.createTextNode(" " + title + (person ? " · " + person : "")));
        recent.insertBefore(item, recent.firstChild);
        while (recent.children.length > RECENT) {
            recent.removeChild(recent.lastChild);
        }
    }

    function person(body) {
        if (!body || !body.name) {
            return "";
        }
        return body.unit ? body.name + " · " + body.unit : body.name;
    }

    // The answer of the API as [kind, title, person, detail]; null for "try again later".
    function describe(status, body) {
        body = body || {};
        if (status === 201) {
            return body.late
                ? ["late", text.late, person(body), localTime(body.checked_in_at)]
                : ["ok", text.checked_in, person(body), localTime(body.checked_in_at)];
        }
        if (status === 200) {
            // Marked present on the roster, it has no scan time: the server's words then.
            var time = localTime(body.checked_in_at);
            var title = time ? format(text.already, { time: time }) : body.detail;
            return ["already", title, person(body), body.late ? text.late : ""];
        }
        if (status === 401 || status === 403) {
            return null;
        }
        if (status === 404 && body.code === "invalid_code") {
            return ["error", text.invalid_code, "", ""];
        }
        // Refused for good (another cohort's trainee, not confirmed, a malformed scan time…):
        // the short label the scanner knows, else the server's own words.
        if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
            var known = text[body.code];
            var said = typeof body.detail === "string" ? body.detail : "";
            return ["error", known || text.refused, person(body), known ? "" : said];
        }
        return null;
    }

    var TONE_OF = { ok: "ok", late: "late", already: "already", error: "error" };

    // -- The queue on the phone (IndexedDB) ------------------------------------------------------

    var DB_NAME = "academy-checkin";
    var STORE = "scans";
    var database = null;

    function openDatabase() {
        if (database) {
            return database;
        }
        database = new Promise(function (resolve, reject) {
            var request = indexedDB.open(DB_NAME, 1);
            request.onupgradeneeded = function () {
                request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
            };
            request.onsuccess = function () {
                resolve(request.result);
            };
            request.onerror = function () {
                reject(request.error);
            };
        });
        return database;
    }

    function transact(mode, work) {
        return openDatabase().then(function (db) {
            return new Promise(function (resolve, reject) {
                var transaction = db.transaction(STORE, mode);
                var answer = work(transaction.objectStore(STORE));
                transaction.oncomplete = function () {
                    resolve(answer && "result" in answer ? answer.result : undefined);
                };
                transaction.onerror = function () {
                    reject(transaction.error);
                };
            });
        });
    }

    function queued() {
        return transact("readonly", function (store) {
            return store.getAll();
        });
    }

    // Keeps the first scan of a code for a session (a later one would only be "already"), in
    // one transaction, so that two scans of one code cannot both be added.
    function enqueue(scan) {
        return transact("readwrite", function (store) {
            var all = store.getAll();
            all.onsuccess = function () {
                var known = all.result.some(function (item) {
                    return item.session === scan.session && item.code === scan.code;
                });
                if (!known) {
                    store.add(scan);
                }
            };
        });
    }

    function dequeue(id) {
        return transact("readwrite", function (store) {
            return store.delete(id);
        });
    }

    function showQueue() {
        return queued().then(function (scans) {
            queueLine.hidden = scans.length === 0;
            queueCount.textContent = format(text.waiting, { count: scans.length });
            root.dataset.waiting = String(scans.length);
            return scans.length;
        });
    }

    // -- Talking to the API ----------------------------------------------------------------------

    function post(scan) {
        var body = { session: scan.session, code: scan.code };
        if (scan.scanned_at) {
            body.scanned_at = scan.scanned_at;
        }
        return fetch(config.api_url, {
            method: "POST",
            credentials: "same-origin",
            headers: {
                "Content-Type": "application/json",
                Accept: "application/json",
                "X-CSRFToken": csrfToken(),
            },
            body: JSON.stringify(body),
        }).then(function (response) {
            learnClock(response);
            return response
                .json()
                .catch(function () {
                    return {};
                })
                .then(function (data) {
                    return { status: response.status, body: data };
                });
        });
    }

    var flushing = false;

    // Sends the waiting scans in order; stops at the first that cannot be sent yet.
    function flush() {
        if (flushing) {
            return Promise.resolve();
        }
        flushing = true;
        return queued()
            .then(function (scans) {
                return scans.reduce(function (previous, scan) {
                    return previous.then(function (go) {
                        if (!go) {
                            return false;
                        }
                        return post(scan).then(
                            function (answer) {
                                var shown = describe(answer.status, answer.body);
                                if (!shown) {
                                    if (answer.status === 401 || answer.status === 403) {
                                        show("error", text.login, "", "");
                                    }
                                    return false;
                                }
                                var title = format(text.sent_later, { result: shown[1] });
                                remember(shown[0], title, shown[2]);
                                return dequeue(scan.id).then(function () {
                                    return true;
                                });
                            },
                            function () {
                                return false;
                            }
                        );
                    });
                }, Promise.resolve(true));
            })
            .then(
                function () {
                    flushing = false;
                    return showQueue();
                },
                function () {
                    flushing = false;
                }
            );
    }

    // Keeps a scan that could not be sent on the phone, with the time the server would give it.
    function keep(scan) {
        scan.scanned_at = serverNow().toISOString();
        return enqueue(scan).then(showQueue);
    }

    function send(code) {
        var scan = { session: config.session, code: code };
        return post(scan).then(
            function (answer) {
                var shown = describe(answer.status, answer.body);
                if (shown) {
                    show(shown[0], shown[1], shown[2], shown[3]);
                    remember(shown[0], shown[1], shown[2]);
                    tone(TONE_OF[shown[0]]);
                    // The network answers again: send whatever waited.
                    return flush();
                }
                return keep(scan).then(function () {
                    if (answer.status === 401 || answer.status === 403) {
                        show("error", text.login, "", "");
                        tone("error");
                    } else {
                        queuedShown(code);
                    }
                });
            },
            function () {
                return keep(scan).then(function () {
                    queuedShown(code);
                });
            }
        ).catch(function () {
            // IndexedDB refused (a private window, a full disk): say so, lose nothing silently.
            show("error", text.not_saved, "", "");
            tone("error");
        });
    }

    // Offline, the name is not known yet: a typed code is shown, a QR code's long text is not.
    function queuedShown(code) {
        var typed = code.indexOf(":") === -1 ? code : "";
        show("queued", text.queued, typed, text.queued_detail);
        remember("queued", text.queued, typed);
        tone("queued");
    }

    // -- The camera ------------------------------------------------------------------------------

    var lastCode = "";
    var lastSeen = 0;
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });

    function seen(code) {
        var now = Date.now();
        var repeat = code === lastCode && now - lastSeen < config.repeat_gap_ms;
        lastCode = code;
        lastSeen = now;
        if (!repeat) {
            send(code);
        }
    }

    function decode() {
        if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
            var scale = Math.min(1, DECODE_WIDTH / video.videoWidth);
            var width = Math.round(video.videoWidth * scale);
            var height = Math.round(video.videoHeight * scale);
            canvas.width = width;
            canvas.height = height;
            context.drawImage(video, 0, 0, width, height);
            var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height, {
                inversionAttempts: "dontInvert",
            });
            if (found && found.data.trim()) {
                seen(found.data.trim());
            }
        }
        window.setTimeout(decode, DECODE_EVERY_MS);
    }

    function startCamera() {
        unlockAudio();
        if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
            show("error", text.camera_unavailable, "", "");
            return;
        }
        show("idle", text.camera_starting, "", "");
        navigator.mediaDevices
            .getUserMedia({
                audio: false,
                video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 } },
            })
            .then(function (stream) {
                video.srcObject = stream;
                video.hidden = false;
                startButton.hidden = true;
                root.dataset.camera = "on";
                return video.play();
            })
            .then(function () {
                show("idle", text.ready, "", "");
                decode();
            })
            .catch(function () {
                show("error", text.camera_unavailable, "", "");
            });
    }

    startButton.addEventListener("click", startCamera);

    typedForm.addEventListener("submit", function (event) {
        event.preventDefault();
        unlockAudio();
        var input = typedForm.elements.code;
        var code = input.value.trim();
        if (code) {
            send(code).then(function () {
                input.value = "";
                input.focus();
            });
        }
    });

    if (picker) {
        picker.addEventListener("change", function () {
            picker.form.submit();
        });
    }

    flushButton.addEventListener("click", flush);
    window.addEventListener("online", flush);
    window.setInterval(function () {
        if (root.dataset.waiting && root.dataset.waiting !== "0") {
            flush();
        }
    }, RETRY_MS);
    root.dataset.ready = "true";
    showQueue().then(flush);
})();
