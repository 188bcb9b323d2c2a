// Progressive enhancement only: every page works without this script.
import { initAll } from "/govuk/govuk-frontend.min.js";

initAll();

// "Print this week" and the like: the page's print styles leave out the header and the buttons.
for (const link of document.querySelectorAll("[data-print]")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    window.print();
  });
}
