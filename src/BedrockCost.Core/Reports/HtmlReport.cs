using System.Globalization;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Classification;

namespace BedrockCost.Core.Reports;

/// <summary>
/// The statement as one self-contained HTML file for finance: inline CSS and SVG charts, no script, no external
/// resource. Sections: period and totals, reconciliation, cost by cost centre, budget vs actual (when budgets
/// are known), top principals, cost by model and token direction, daily trend, and every statement line.
/// All text goes through <see cref="HtmlWriter"/>, which encodes it.
/// </summary>
public static class HtmlReport
{
    private const int TopPrincipals = 15;
    private const int ChartWidth = 760;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly (string TokenType, string Label, string Color)[] TokenColors =
    {
        ("Input", "Input", "#2f6db5"),
        ("Output", "Output", "#e08a1e"),
        ("CacheRead", "Cache read", "#3a9d6a"),
        ("CacheWrite", "Cache write", "#8e5fb5"),
    };
    private const string OtherColor = "#9aa3ad";
    private const string BarColor = "#2f6db5";
    private const string NegativeColor = "#c0392b";
    private const string UnattributedColor = "#b8bfc7";
    private const string BudgetColor = "#222";

    private const string Css = """
        body { font-family: "Segoe UI", Arial, Helvetica, sans-serif; color: #1d2733; margin: 0; background: #f4f6f8; }
        main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
        header h1 { font-size: 24px; margin: 0 0 4px; }
        .meta { color: #55606c; margin: 0 0 2px; font-size: 14px; }
        h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 2px solid #e3e7eb; padding-bottom: 4px; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 20px 0 8px; }
        .card { border: 1px solid #dde2e7; border-radius: 6px; padding: 10px 16px; min-width: 170px; }
        .card .label { font-size: 12px; color: #55606c; text-transform: uppercase; letter-spacing: .04em; }
        .card .value { font-size: 22px; font-weight: 600; margin-top: 2px; }
        .ok { color: #1e7b45; } .bad { color: #b3261e; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
        th, td { padding: 5px 8px; border-bottom: 1px solid #e6e9ec; text-align: left; vertical-align: top; }
        th { background: #f0f3f6; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        tr.total td { font-weight: 600; border-top: 2px solid #c9d0d6; }
        td.wrap { word-break: break-all; }
        .note { font-size: 12px; color: #55606c; }
        svg { display: block; margin: 8px 0; max-width: 100%; height: auto; }
        svg text { font-family: "Segoe UI", Arial, Helvetica, sans-serif; font-size: 12px; fill: #1d2733; }
        @media print { body { background: #fff; } main { padding: 0; } }
        """;

    public static async Task WriteAsync(ChargebackStatement s, Stream stream, CancellationToken ct)
    {
        await using var text = new StreamWriter(stream, ChargebackReport.Utf8, 64 * 1024, leaveOpen: true);
        Write(s, text);
        await text.FlushAsync(ct).ConfigureAwait(false);
    }

    public static void Write(ChargebackStatement s, TextWriter output)
    {
        var h = new HtmlWriter(output);
        var periods = s.BillingPeriods.Count == 0 ? "(no billing period)" : string.Join(", ", s.BillingPeriods);
        h.Doctype();
        h.Open("html", ("lang", "en"));
        h.Open("head");
        h.Open("meta", ("charset", "utf-8"));
        h.Open("meta", ("name", "viewport"), ("content", "width=device-width, initial-scale=1"));
        h.Element("title", $"Bedrock chargeback {periods}");
        h.StyleSheet(Css);
        h.Close("head");
        h.Open("body").Open("main");

        h.Open("header", ("id", "period"));
        h.Element("h1", "Amazon Bedrock chargeback statement");
        h.Element("p", $"Billing period: {periods}", ("class", "meta"));
        h.Element("p", $"Cost basis: {s.CostBasis}. Unallocated cost: {PolicyText(s)}.", ("class", "meta"));
        h.Element("p", $"Cost centres from: {SourcesText(s)}.", ("class", "meta"));
        h.Element("p", $"Source: {s.Source}. Generated {s.GeneratedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", Inv)}.", ("class", "meta"));
        h.Close("header");

        Summary(h, s);
        Reconciliation(h, s);
        foreach (var currency in s.Reconciliation.Select(r => r.Currency))
        {
            var suffix = s.Reconciliation.Count > 1 ? $" ({currency})" : string.Empty;
            CostCenters(h, s, currency, suffix);
            Budgets(h, s, currency, suffix);
            Principals(h, s, currency, suffix);
            Models(h, s, currency, suffix);
            Daily(h, s, currency, suffix);
        }
        Lines(h, s);

        h.Open("footer");
        h.Element("p", $"Amounts are shown rounded to cents; the CSV and JSON files keep full precision. Allocated shares are rounded to {ChargebackStatement.AllocationDecimals} decimal places and the rounding residue of each split goes to the largest share, so the statement adds up exactly to the source total.", ("class", "note"));
        h.Close("footer");
        h.Close("main").Close("body").Close("html");
        h.End();
    }

    private static string PolicyText(ChargebackStatement s) => s.Policy switch
    {
        UnallocatedPolicy.Keep => "kept as an (unallocated) line",
        UnallocatedPolicy.Proportional => "split in proportion to each cost centre's direct cost",
        UnallocatedPolicy.Even => "split evenly over the cost centres",
        _ => $"assigned to {s.UnallocatedOwner}",
    };

    private static string SourcesText(ChargebackStatement s)
    {
        var parts = new List<string>();
        if (s.MappingFile is not null) parts.Add($"mapping file {Path.GetFileName(s.MappingFile)}");
        if (s.CostCenterTag is not null) parts.Add($"tag {s.CostCenterTag}");
        return parts.Count == 0 ? "none (everything is unallocated)" : string.Join(", then ", parts);
    }

    private static void Summary(HtmlWriter h, ChargebackStatement s)
    {
        h.Open("section", ("id", "totals")).Open("div", ("class", "cards"));
        foreach (var r in s.Reconciliation)
        {
            Card(h, $"Bedrock total ({r.Currency})", Money(r.SourceTotal, r.Currency));
            Card(h, $"Charged to cost centres ({r.Currency})",
                Money(s.CostCenters.Where(c => c.Currency == r.Currency && c.CostCenter != ChargebackLine.UnallocatedCostCenter).Sum(c => c.Total), r.Currency));
            Card(h, $"Unallocated ({r.Currency})", Money(s.CostCenters.Where(c => c.Currency == r.Currency).Sum(c => c.UnallocatedCost), r.Currency));
        }
        Card(h, "Cost centres", s.CostCenters.Where(c => c.CostCenter != ChargebackLine.UnallocatedCostCenter).Select(c => c.CostCenter).Distinct().Count().ToString(Inv));
        Card(h, "Reconciliation", s.Reconciles ? "Reconciled" : "Does not reconcile", s.Reconciles ? "value ok" : "value bad");
        h.Close("div").Close("section");
    }

    private static void Card(HtmlWriter h, string label, string value, string valueClass = "value")
    {
        h.Open("div", ("class", "card"));
        h.Element("div", label, ("class", "label"));
        h.Element("div", value, ("class", valueClass));
        h.Close("div");
    }

    private static void Reconciliation(HtmlWriter h, ChargebackStatement s)
    {
        h.Open("section", ("id", "reconciliation"));
        h.Element("h2", "Reconciliation");
        h.Open("table").Open("thead").Open("tr");
        Th(h, "Currency"); Th(h, "Source Bedrock total", true); Th(h, "Allocated total", true); Th(h, "Difference", true); Th(h, "Status");
        h.Close("tr").Close("thead").Open("tbody");
        foreach (var r in s.Reconciliation)
        {
            h.Open("tr");
            Td(h, r.Currency);
            Td(h, Exact(r.SourceTotal), true); Td(h, Exact(r.AllocatedTotal), true); Td(h, Exact(r.Difference), true);
            h.Open("td").Element("strong", r.Reconciles ? "Reconciled" : "Does not reconcile", ("class", r.Reconciles ? "ok" : "bad")).Close("td");
            h.Close("tr");
        }
        h.Close("tbody").Close("table");
        if (s.Reconciliation.Count > 0)
            h.Element("p", $"Source total: {s.Reconciliation[0].SourceDescription}. The allocated total is the sum of every statement line, so a difference of zero means nothing was lost or counted twice.", ("class", "note"));
        h.Close("section");
    }

    private static void CostCenters(HtmlWriter h, ChargebackStatement s, string currency, string suffix)
    {
        var centres = s.CostCenters.Where(c => c.Currency == currency).ToList();
        h.Open("section", ("id", $"cost-centres-{currency}"), ("class", "cost-centres"));
        h.Element("h2", $"Cost by cost centre{suffix}");
        BarChart(h, "chart-cost-centres", $"Cost by cost centre, {currency}", centres.Select(c => (c.CostCenter, c.Total)).ToList(), currency);
        h.Open("table").Open("thead").Open("tr");
        Th(h, "Cost centre"); Th(h, "Owner"); Th(h, "Direct", true); Th(h, "Allocated", true); Th(h, "Unallocated", true); Th(h, "Total", true); Th(h, "Budget", true); Th(h, "Budget used", true);
        h.Close("tr").Close("thead").Open("tbody");
        foreach (var c in centres)
        {
            h.Open("tr");
            Td(h, c.CostCenter); Td(h, c.Owner ?? string.Empty);
            Td(h, Money(c.DirectCost), true); Td(h, Money(c.AllocatedCost), true); Td(h, Money(c.UnallocatedCost), true); Td(h, Money(c.Total), true);
            Td(h, c.Budget is { } b ? Money(b) : string.Empty, true);
            Td(h, c.BudgetUsedPercent is { } p ? p.ToString("0.0", Inv) + " %" : string.Empty, true);
            h.Close("tr");
        }
        h.Open("tr", ("class", "total"));
        Td(h, "Total"); Td(h, string.Empty);
        Td(h, Money(centres.Sum(c => c.DirectCost)), true); Td(h, Money(centres.Sum(c => c.AllocatedCost)), true);
        Td(h, Money(centres.Sum(c => c.UnallocatedCost)), true); Td(h, Money(centres.Sum(c => c.Total)), true); Td(h, string.Empty); Td(h, string.Empty);
        h.Close("tr");
        h.Close("tbody").Close("table").Close("section");
    }

    private static void Budgets(HtmlWriter h, ChargebackStatement s, string currency, string suffix)
    {
        var withBudget = s.CostCenters.Where(c => c.Currency == currency && c.Budget is not null).ToList();
        if (withBudget.Count == 0) return;
        h.Open("section", ("id", $"budget-{currency}"), ("class", "budget"));
        h.Element("h2", $"Budget vs actual{suffix}");
        var months = Math.Max(1, s.BillingPeriods.Count);
        h.Element("p", months == 1 ? "Budget: the monthly budget of the mapping file." : $"Budget: the monthly budget of the mapping file x {months} billing periods.", ("class", "note"));
        const int label = 200, area = 440, row = 26;
        var max = withBudget.Max(c => Math.Max(Math.Abs(c.Total), c.Budget!.Value));
        if (max == 0) max = 1;
        var height = withBudget.Count * row + 24;
        h.Open("svg", ("id", "chart-budget"), ("class", "chart"), ("xmlns", "http://www.w3.org/2000/svg"), ("width", ChartWidth), ("height", height),
            ("viewBox", $"0 0 {ChartWidth} {height}"), ("role", "img"), ("aria-label", $"Budget vs actual, {currency}"));
        h.Element("title", $"Budget vs actual, {currency}");
        var y = 4;
        foreach (var c in withBudget)
        {
            var actual = (double)(Math.Abs(c.Total) / max) * area;
            var budget = (double)(c.Budget!.Value / max) * area;
            h.Open("g", ("class", "bar"));
            h.Element("text", Truncate(c.CostCenter, 28), ("x", label - 8), ("y", y + 15), ("text-anchor", "end"));
            h.Open("rect", ("x", label), ("y", y + 3), ("width", Px(actual)), ("height", row - 8), ("fill", c.Total > c.Budget ? NegativeColor : BarColor))
                .Element("title", $"{c.CostCenter}: {Money(c.Total, currency)} of {Money(c.Budget.Value, currency)}").Close("rect");
            h.Open("line", ("x1", Px(label + budget)), ("x2", Px(label + budget)), ("y1", y), ("y2", y + row - 2), ("stroke", BudgetColor), ("stroke-width", 2)).Close("line");
            h.Element("text", $"{Money(c.Total)} / {Money(c.Budget.Value)}", ("x", label + area + 8), ("y", y + 15));
            h.Close("g");
            y += row;
        }
        h.Element("text", "Bar: actual; black mark: budget; red: over budget", ("x", label), ("y", y + 14), ("class", "axis"));
        h.Close("svg").Close("section");
    }

    private static void Principals(HtmlWriter h, ChargebackStatement s, string currency, string suffix)
    {
        var all = s.ByPrincipal.Where(p => p.Currency == currency).ToList();
        var total = all.Sum(p => p.Cost);
        h.Open("section", ("id", $"principals-{currency}"), ("class", "principals"));
        h.Element("h2", $"Top principals{suffix}");
        h.Open("table").Open("thead").Open("tr");
        Th(h, "Principal"); Th(h, "Cost centre"); Th(h, "Tokens", true); Th(h, "Cost", true); Th(h, "Share", true);
        h.Close("tr").Close("thead").Open("tbody");
        foreach (var p in all.Take(TopPrincipals))
        {
            h.Open("tr");
            h.Open("td", ("class", "wrap"), ("title", p.Key)).Text(PrincipalParser.ShortName(p.Key)!).Close("td");
            Td(h, p.Detail ?? string.Empty); Td(h, p.Tokens.ToString("N0", Inv), true); Td(h, Money(p.Cost), true);
            Td(h, total == 0 ? string.Empty : (p.Cost / total * 100m).ToString("0.0", Inv) + " %", true);
            h.Close("tr");
        }
        h.Close("tbody").Close("table");
        if (all.Count > TopPrincipals) h.Element("p", $"{all.Count - TopPrincipals} more principal(s) in the statement lines below.", ("class", "note"));
        h.Close("section");
    }

    private static void Models(HtmlWriter h, ChargebackStatement s, string currency, string suffix)
    {
        var rows = s.ByModelAndTokenType.Where(b => b.Currency == currency).ToList();
        var models = rows.GroupBy(b => b.Key).Select(g => (Model: g.Key, Total: g.Sum(b => b.Cost), Parts: g.ToList()))
            .OrderByDescending(m => m.Total).ThenBy(m => m.Model, StringComparer.Ordinal).ToList();
        h.Open("section", ("id", $"models-{currency}"), ("class", "models"));
        h.Element("h2", $"Cost by model and token direction{suffix}");
        if (models.Count == 0) { h.Element("p", "No model data.", ("class", "note")).Close("section"); return; }

        // Stacked bars: positive parts stack right from the zero line; credits and other negatives are listed in the table.
        const int label = 220, area = 420, row = 26;
        var max = models.Max(m => m.Parts.Where(p => p.Cost > 0).Sum(p => p.Cost));
        if (max <= 0) max = 1;
        var height = models.Count * row + 8;
        h.Open("svg", ("id", "chart-models"), ("class", "chart"), ("xmlns", "http://www.w3.org/2000/svg"), ("width", ChartWidth), ("height", height),
            ("viewBox", $"0 0 {ChartWidth} {height}"), ("role", "img"), ("aria-label", $"Cost by model and token direction, {currency}"));
        h.Element("title", $"Cost by model and token direction, {currency}");
        var y = 4;
        foreach (var m in models)
        {
            h.Open("g", ("class", "bar"));
            h.Element("text", Truncate(m.Model, 32), ("x", label - 8), ("y", y + 15), ("text-anchor", "end"));
            double x = label;
            foreach (var part in m.Parts.Where(p => p.Cost > 0).OrderBy(p => TokenOrder(p.Detail)))
            {
                var w = (double)(part.Cost / max) * area;
                h.Open("rect", ("x", Px(x)), ("y", y + 3), ("width", Px(w)), ("height", row - 8), ("fill", TokenColor(part.Detail)))
                    .Element("title", $"{m.Model}, {TokenLabel(part.Detail)}: {Money(part.Cost, currency)}").Close("rect");
                x += w;
            }
            h.Element("text", Money(m.Total), ("x", Px(x + 6)), ("y", y + 15));
            h.Close("g");
            y += row;
        }
        h.Close("svg");
        // Legend: the same colours as the bars.
        h.Open("svg", ("class", "legend-swatches"), ("xmlns", "http://www.w3.org/2000/svg"), ("width", 560), ("height", 20), ("viewBox", "0 0 560 20"), ("aria-hidden", "true"));
        var lx = 0;
        foreach (var (_, text, color) in TokenColors.Append(("Other", "Other / no tokens", OtherColor)))
        {
            h.Open("rect", ("x", lx), ("y", 5), ("width", 10), ("height", 10), ("fill", color)).Close("rect");
            h.Element("text", text, ("x", lx + 14), ("y", 14));
            lx += 110;
        }
        h.Close("svg");

        h.Open("table").Open("thead").Open("tr");
        Th(h, "Model"); Th(h, "Token direction"); Th(h, "Tokens", true); Th(h, "Cost", true); Th(h, "Per 1M tokens", true);
        h.Close("tr").Close("thead").Open("tbody");
        foreach (var m in models)
            foreach (var p in m.Parts.OrderBy(p => TokenOrder(p.Detail)))
            {
                h.Open("tr");
                Td(h, m.Model); Td(h, TokenLabel(p.Detail)); Td(h, p.Tokens.ToString("N0", Inv), true); Td(h, Money(p.Cost), true);
                Td(h, p.Tokens == 0 ? string.Empty : (p.Cost / p.Tokens * 1_000_000m).ToString("N4", Inv), true);
                h.Close("tr");
            }
        h.Close("tbody").Close("table").Close("section");
    }

    private static void Daily(HtmlWriter h, ChargebackStatement s, string currency, string suffix)
    {
        var points = s.Daily.Where(d => d.Currency == currency).ToList();
        h.Open("section", ("id", $"daily-{currency}"), ("class", "daily"));
        h.Element("h2", $"Daily trend{suffix}");
        if (points.Count == 0)
        {
            h.Element("p", "The input has no daily breakdown (group the input by Day to see the trend).", ("class", "note")).Close("section");
            return;
        }
        var days = points.GroupBy(p => p.Key).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Day: g.Key, Attributed: g.Where(p => p.Detail == "attributed").Sum(p => p.Cost), Unattributed: g.Where(p => p.Detail != "attributed").Sum(p => p.Cost)))
            .ToList();
        const int left = 70, top = 10, plotHeight = 200, bottom = 40;
        var plotWidth = ChartWidth - left - 10;
        // Positive parts stack up from zero, negative parts (credits) go down from it.
        decimal Pos((string Day, decimal A, decimal U) d) => Math.Max(d.A, 0) + Math.Max(d.U, 0);
        decimal Neg((string Day, decimal A, decimal U) d) => Math.Min(d.A, 0) + Math.Min(d.U, 0);
        var max = days.Max(d => Pos(d));
        var min = days.Min(d => Neg(d));
        if (max - min == 0) max = 1;
        var scale = plotHeight / (double)(max - min);
        var zero = top + (double)max * scale;
        var step = plotWidth / (double)days.Count;
        var barWidth = Math.Max(1, step * 0.75);
        var height = top + plotHeight + bottom;
        h.Open("svg", ("id", "chart-daily"), ("class", "chart"), ("xmlns", "http://www.w3.org/2000/svg"), ("width", ChartWidth), ("height", height),
            ("viewBox", $"0 0 {ChartWidth} {height}"), ("role", "img"), ("aria-label", $"Daily Bedrock cost, {currency}"));
        h.Element("title", $"Daily Bedrock cost, {currency}");
        h.Open("line", ("x1", left), ("x2", ChartWidth - 10), ("y1", Px(zero)), ("y2", Px(zero)), ("stroke", "#888"), ("stroke-width", 1)).Close("line");
        h.Element("text", Money(max), ("x", left - 6), ("y", top + 10), ("text-anchor", "end"));
        h.Element("text", "0", ("x", left - 6), ("y", Px(zero + 4)), ("text-anchor", "end"));
        if (min < 0) h.Element("text", Money(min), ("x", left - 6), ("y", top + plotHeight), ("text-anchor", "end"));
        var labelEvery = Math.Max(1, (int)Math.Ceiling(days.Count / 10.0));
        for (var i = 0; i < days.Count; i++)
        {
            var d = days[i];
            var x = left + i * step + (step - barWidth) / 2;
            h.Open("g", ("class", "bar"));
            var up = zero;
            var down = zero;
            foreach (var (value, color, what) in new[] { (d.Attributed, BarColor, "attributed"), (d.Unattributed, UnattributedColor, "unattributed") })
            {
                if (value == 0) continue;
                var hgt = (double)Math.Abs(value) * scale;
                double y;
                if (value > 0) { up -= hgt; y = up; } else { y = down; down += hgt; }
                h.Open("rect", ("x", Px(x)), ("y", Px(y)), ("width", Px(barWidth)), ("height", Px(Math.Max(hgt, 0.5))), ("fill", value < 0 ? NegativeColor : color))
                    .Element("title", $"{d.Day} {what}: {Money(value, currency)}").Close("rect");
            }
            if (i % labelEvery == 0)
                h.Element("text", d.Day[5..], ("x", Px(x + barWidth / 2)), ("y", top + plotHeight + 18), ("text-anchor", "middle"));
            h.Close("g");
        }
        h.Element("text", "Blue: attributed to a principal; grey: unattributed; red: credits and other negatives", ("x", left), ("y", height - 6));
        h.Close("svg");
        h.Element("p", $"{days.Count} day(s), {days[0].Day} to {days[^1].Day}. Total {Money(days.Sum(d => d.Attributed + d.Unattributed), currency)}.", ("class", "note"));
        h.Close("section");
    }

    private static void Lines(HtmlWriter h, ChargebackStatement s)
    {
        h.Open("section", ("id", "lines"));
        h.Element("h2", "Statement lines");
        h.Element("p", "One line per cost centre, principal and model. Allocation lines are shares of an unallocated line, named in the last column.", ("class", "note"));
        h.Open("table").Open("thead").Open("tr");
        Th(h, "Cost centre"); Th(h, "Type"); Th(h, "Principal"); Th(h, "Model"); Th(h, "Tokens", true); Th(h, "Cost", true); Th(h, "Currency"); Th(h, "Reason / allocated from");
        h.Close("tr").Close("thead").Open("tbody");
        foreach (var l in s.Lines)
        {
            h.Open("tr");
            Td(h, l.CostCenter); Td(h, l.LineType.ToString());
            h.Open("td", ("class", "wrap"), ("title", l.Principal)).Text(l.PrincipalName ?? l.Person ?? l.Role ?? string.Empty).Close("td");
            Td(h, l.Model ?? string.Empty); Td(h, l.TotalTokens == 0 ? string.Empty : l.TotalTokens.ToString("N0", Inv), true);
            Td(h, Money(l.Cost), true); Td(h, l.Currency);
            Td(h, l.LineType == ChargebackLineType.Allocation ? $"{l.AllocatedFrom} ({(l.AllocationShare ?? 0) * 100m:0.##} %)" : l.Reason);
            h.Close("tr");
        }
        h.Close("tbody").Close("table").Close("section");
    }

    /// <summary>A horizontal bar chart of labelled values; negative values drawn red, by magnitude.</summary>
    private static void BarChart(HtmlWriter h, string id, string title, IReadOnlyList<(string Label, decimal Value)> items, string currency)
    {
        const int label = 220, area = 420, row = 26;
        var max = items.Count == 0 ? 0 : items.Max(i => Math.Abs(i.Value));
        if (max == 0) max = 1;
        var height = items.Count * row + 8;
        h.Open("svg", ("id", id), ("class", "chart"), ("xmlns", "http://www.w3.org/2000/svg"), ("width", ChartWidth), ("height", height),
            ("viewBox", $"0 0 {ChartWidth} {height}"), ("role", "img"), ("aria-label", title));
        h.Element("title", title);
        var y = 4;
        foreach (var (text, value) in items)
        {
            var w = (double)(Math.Abs(value) / max) * area;
            h.Open("g", ("class", "bar"));
            h.Element("text", Truncate(text, 32), ("x", label - 8), ("y", y + 15), ("text-anchor", "end"));
            h.Open("rect", ("x", label), ("y", y + 3), ("width", Px(w)), ("height", row - 8), ("fill", value < 0 ? NegativeColor : BarColor))
                .Element("title", $"{text}: {Money(value, currency)}").Close("rect");
            h.Element("text", Money(value), ("x", Px(label + w + 6)), ("y", y + 15));
            h.Close("g");
            y += row;
        }
        h.Close("svg");
    }

    private static void Th(HtmlWriter h, string text, bool number = false) => h.Element("th", text, ("class", number ? "num" : null));
    private static void Td(HtmlWriter h, string text, bool number = false) => h.Element("td", text, ("class", number ? "num" : null));

    private static string Money(decimal value) => value.ToString("N2", Inv);
    private static string Money(decimal value, string currency) => $"{value.ToString("N2", Inv)} {currency}";
    private static string Exact(decimal value) => value.ToString("#,0.00########", Inv);
    private static string Px(double v) => v.ToString("0.##", Inv);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "\u2026";

    private static int TokenOrder(string? type) { var i = Array.FindIndex(TokenColors, t => t.TokenType == type); return i < 0 ? 99 : i; }
    private static string TokenColor(string? type) => TokenColors.FirstOrDefault(t => t.TokenType == type).Color ?? OtherColor;
    private static string TokenLabel(string? type) => TokenColors.FirstOrDefault(t => t.TokenType == type).Label ?? (type is null or "(none)" or "(all)" ? "other / no tokens" : type);
}
