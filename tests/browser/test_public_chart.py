"""The public statistics chart in Chromium (issue 11, point 8): a day's bars stack (online + postal =
received), and the value axis fits that total, not only the largest channel."""

from tests.postal_factories import postal_dossier, postal_world


def test_the_chart_axis_fits_the_stacked_total(page, shot):
    world = postal_world()
    for _ in range(3):
        postal_dossier(world, "accepted", intake="online", ret="desk", address="")
    for _ in range(3):
        postal_dossier(world, "accepted", intake="postal", ret="desk")
    page.goto(f"{page.base}/thong-ke/tinh/{world.province.code}/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas.js-report-chart'))")
    axis = page.evaluate(
        """() => {
        const chart = Chart.getChart(document.querySelector('canvas.js-report-chart'));
        const bars = chart.data.datasets.filter(d => d.type === 'bar');
        const totals = chart.data.labels.map((_, i) => bars.reduce((sum, d) => sum + (d.data[i] || 0), 0));
        return {max: chart.scales.y.max, stacked: chart.options.scales.y.stacked, total: Math.max(...totals)};
    }"""
    )
    shot(page, "public-chart")
    assert axis["total"] == 6
    assert axis["stacked"] is True and axis["max"] >= axis["total"], axis
