/* The live roadshow's big screen: asks the page's data-live-url for the current state every
   data-live-interval milliseconds (a 304 when nothing changed) and redraws the current
   project, the running order and the ranking. Text only (textContent), never HTML: titles
   come from applicants. Every label arrives translated in the JSON. */
(function () {
    "use strict";

    var body = document.body;
    var url = body.getAttribute("data-live-url");
    var interval = Number(body.getAttribute("data-live-interval")) || 3000;
    var etag = null;

    function part(name) {
        return document.querySelector('[data-live="' + name + '"]');
    }

    function element(tag, className, text) {
        var node = document.createElement(tag);
        if (className) node.className = className;
        if (text !== undefined && text !== null) node.textContent = String(text);
        return node;
    }

    function templateText(id) {
        var template = document.getElementById(id);
        return template ? (template.content || template).textContent.trim() : "";
    }

    function drawCurrent(current) {
        var box = part("current");
        box.replaceChildren();
        if (!current) {
            box.appendChild(element("p", "live__current-title", templateText("live-all-scored")));
            return;
        }
        var prefix = current.order ? current.order + ". " : "";
        box.appendChild(element("p", "live__current-title", prefix + current.title));
        box.appendChild(element("p", "live__current-org", current.organisation));
        box.appendChild(element("p", "live__current-progress", current.progress_label));
    }

    function drawProjects(projects) {
        var list = part("projects");
        list.replaceChildren();
        projects.forEach(function (project) {
            var item = element("li", "live-order__item live-order__item--" + project.state);
            item.appendChild(element("span", "live-order__number", project.order));
            item.appendChild(element("span", "live-order__title", project.title));
            item.appendChild(element("span", "live-order__state", project.state_label));
            item.appendChild(element("span", "live-order__score", project.score || ""));
            list.appendChild(item);
        });
    }

    function drawRanking(ranking) {
        var list = part("ranking");
        list.replaceChildren();
        if (!ranking.length) {
            list.appendChild(element("li", "live-ranking__empty", templateText("live-empty-ranking")));
            return;
        }
        ranking.forEach(function (line) {
            var item = element("li", "live-ranking__item");
            item.appendChild(element("span", "live-ranking__rank", line.rank));
            var title = element("span", "live-ranking__title", line.title);
            title.appendChild(element("span", "live-ranking__org", line.organisation));
            item.appendChild(title);
            item.appendChild(element("span", "live-ranking__score", line.score));
            list.appendChild(item);
        });
    }

    function draw(data) {
        part("round").textContent = data.round.title;
        part("summary").textContent = data.summary_label;
        drawCurrent(data.current);
        drawProjects(data.projects);
        drawRanking(data.ranking);
    }

    function poll() {
        var headers = etag ? { "If-None-Match": etag } : {};
        fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
            .then(function (response) {
                if (response.status === 304) return null;
                if (!response.ok) throw new Error(String(response.status));
                etag = response.headers.get("ETag");
                return response.json();
            })
            .then(function (data) {
                if (data) draw(data);
                part("offline").hidden = true;
                body.setAttribute("data-live-state", "ok");
            })
            .catch(function () {
                part("offline").hidden = false;
                body.setAttribute("data-live-state", "offline");
            })
            .then(function () {
                window.setTimeout(poll, interval);
            });
    }

    if (url) window.setTimeout(poll, interval);
})();
