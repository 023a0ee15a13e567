// The bidding page keeps itself current: every few seconds it reads the auction's state (JSON) and redraws the
// price, the minimum next bid, the end (moved by 延时) and the bids, without reloading. No inline script: the
// page names its state URL in data-state-url.
(function () {
  "use strict";
  var root = document.getElementById("auction");
  if (!root) return;
  var url = root.getAttribute("data-state-url");
  var none = root.getAttribute("data-label-none") || "—";
  var phaseCell = document.getElementById("auction-phase");

  function text(id, value) {
    var cell = document.getElementById(id);
    if (cell) cell.textContent = value;
  }

  function cell(row, value) {
    var td = document.createElement("td");
    td.textContent = value;
    row.appendChild(td);
  }

  function draw(state) {
    text("auction-price", state.current_price === null ? none : String(state.current_price));
    text("auction-minimum", state.minimum_bid === null ? "—" : String(state.minimum_bid));
    text("auction-ends", state.ends_at);
    var ends = document.getElementById("auction-ends");
    if (ends) ends.setAttribute("datetime", state.ends_at);
    if (phaseCell) phaseCell.textContent = phaseCell.getAttribute("data-phase-" + state.phase) || state.phase;
    var body = document.getElementById("auction-bids");
    if (body && body.children.length !== state.bids.length) {
      while (body.firstChild) body.removeChild(body.firstChild);
      state.bids.forEach(function (bid) {
        var row = document.createElement("tr");
        cell(row, bid.at);
        cell(row, bid.bidder);
        cell(row, String(bid.amount));
        body.appendChild(row);
      });
    }
    if (state.contract_id && !document.getElementById("auction-contract")) {
      window.location.reload(); // the lot closed: show the winner and the contract link
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state) draw(state);
        if (!state || state.status === "open") window.setTimeout(poll, 3000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }

  window.setTimeout(poll, 3000);
})();
