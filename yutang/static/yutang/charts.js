// Draws every chart of the page: the server sends the ECharts options as JSON next to the box.
"use strict";

function drawCharts() {
  if (!window.echarts) return;
  document.querySelectorAll("[data-chart]").forEach((box) => {
    const source = document.getElementById(box.dataset.chart);
    if (!source || box.dataset.drawn) return;
    const option = JSON.parse(source.textContent);
    const links = option.links || [];
    delete option.links;
    const chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption(option);
    if (links.length) {
      // A bar leads to the customers behind it.
      chart.on("click", (params) => {
        const link = links[params.dataIndex];
        if (link) window.location.href = link;
      });
    }
    box.dataset.drawn = "1";
    new ResizeObserver(() => chart.resize()).observe(box);
  });
}

document.addEventListener("DOMContentLoaded", drawCharts);
document.addEventListener("htmx:afterSettle", drawCharts);
