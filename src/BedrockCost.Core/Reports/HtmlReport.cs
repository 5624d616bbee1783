using System.Globalization;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Classification;

namespace BedrockCost.Core.Reports;

/// <summary>
/// The statement as one self-contained HTML file for finance: inline CSS and SVG charts, no script, no external
/// resource. Sections: period and totals, reconciliation (cost and tokens, per billing period), cost by cost
/// centre, budget vs actual (when budgets are known), top principals, cost by model and token direction, daily
/// trend, and every statement line. All text goes through <see cref="HtmlWriter"/>, which encodes it; every
/// value from the data is isolated (&lt;bdi&gt;) and may wrap (ARNs at '/' and ':'), so that long tag values and
/// ARNs never push the amount columns off screen. Columns with nothing to show are left out.
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
    private const string GridColor = "#e3e7eb";

    // Text cells wrap anywhere when they must (overflow-wrap: anywhere also lowers the table's minimum width), after
    // the <wbr> break points first; amounts never wrap. The table is as wide as the page and no wider.
    private const string Css = """
        body { font-family: "Segoe UI", Arial, Helvetica, sans-serif; color: #1d2733; margin: 0; background: #f4f6f8; }
        main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; box-sizing: border-box; }
        header h1 { font-size: 24px; margin: 0 0 4px; }
        .meta { color: #55606c; margin: 0 0 2px; font-size: 14px; overflow-wrap: anywhere; }
        h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 2px solid #e3e7eb; padding-bottom: 4px; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 20px 0 8px; }
        .card { border: 1px solid #dde2e7; border-radius: 6px; padding: 10px 16px; min-width: 170px; }
        .card .label { font-size: 12px; color: #55606c; text-transform: uppercase; letter-spacing: .04em; }
        .card .value { font-size: 22px; font-weight: 600; margin-top: 2px; }
        .ok { color: #1e7b45; } .bad { color: #b3261e; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
        th, td { padding: 5px 8px; border-bottom: 1px solid #e6e9ec; text-align: left; vertical-align: top; }
        th { background: #f0f3f6; font-weight: 600; }
        td.text { overflow-wrap: anywhere; min-width: 4em; }
        td.word { white-space: nowrap; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.num { white-space: nowrap; }
        .part { white-space: nowrap; }
        tr.total td { font-weight: 600; border-top: 2px solid #c9d0d6; }
        .note { font-size: 12px; color: #55606c; }
        svg { display: block; margin: 8px 0; max-width: 100%; height: auto; }
        svg text { font-family: "Segoe UI", Arial, Helvetica, sans-serif; font-size: 12px; fill: #1d2733; }
        svg text.tick { fill: #55606c; font-size: 11px; }
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
        h.Open("p", ("class", "meta")).Text("Cost centres from: ").Text(SourcesText(s)).Text(".").Close("p");
        h.Open("p", ("class", "meta"), ("id", "source")).Text("Source: ").Value(s.Source, breakAtSeparators: true)
            .Text($". Generated {s.GeneratedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", Inv)}.").Close("p");
        h.Close("header");

        Summary(h, s);
        Reconciliation(h, s);
        var currencies = s.Reconciliation.Select(r => r.Currency).Distinct(StringComparer.Ordinal).ToList();
        foreach (var currency in currencies)
        {
            var suffix = currencies.Count > 1 ? $" ({currency})" : string.Empty;
            CostCenters(h, s, currency, suffix);
            Budgets(h, s, currency, suffix);
            Principals(h, s, currency, suffix);
            Models(h, s, currency, suffix);
            Daily(h, s, currency, suffix);
        }
        Lines(h, s);

        h.Open("footer");
        h.Element("p", $"Amounts are shown rounded to cents; the CSV, JSON and FOCUS files keep full precision. Allocated shares are rounded to {ChargebackStatement.AllocationDecimals} decimal places (tokens to whole tokens) and the rounding residue of each split goes to the largest share, so the statement adds up exactly to the source total, in cost and in tokens.", ("class", "note"));
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
        var currencies = s.Reconciliation.Select(r => r.Currency).Distinct(StringComparer.Ordinal).ToList();
        foreach (var currency in currencies)
        {
            var centres = s.CostCenters.Where(c => c.Currency == currency).ToList();
            var of = currencies.Count > 1 ? $" of the {currency} cost" : string.Empty;
            Card(h, $"Bedrock total ({currency})", Money(s.Reconciliation.Where(r => r.Currency == currency).Sum(r => r.SourceTotal), currency));
            Card(h, $"Charged to cost centres ({currency})", Money(centres.Where(c => c.CostCenter != ChargebackLine.UnallocatedCostCenter).Sum(c => c.Total), currency));
            Card(h, $"Unallocated ({currency})", Money(centres.Sum(c => c.UnallocatedCost), currency));
            Card(h, $"Tokens{of}", s.Reconciliation.Where(r => r.Currency == currency).Sum(r => r.SourceTokens).ToString("N0", Inv));
        }
        Card(h, "Cost centres", s.CostCenters.Where(c => c.CostCenter != ChargebackLine.UnallocatedCostCenter).Select(c => c.CostCenter).Distinct().Count().ToString(Inv));
        var (status, ok) = Status(s.Reconciles, s.Reconciliation.Select(r => r.LineItemsLeftOut).DefaultIfEmpty(0).Max());
        Card(h, "Reconciliation", status, ok ? "value ok" : "value bad");
        h.Close("div").Close("section");
    }

    /// <summary>
    /// What a reconciliation says: "Reconciled" only when the lines add up to the source total and the source was
    /// read whole; line items left out as unreadable make it INCOMPLETE even with a difference of zero.
    /// </summary>
    private static (string Text, bool Ok) Status(bool reconciles, long lineItemsLeftOut) =>
        !reconciles ? ("Does not reconcile", false)
        : lineItemsLeftOut > 0 ? ($"INCOMPLETE: {lineItemsLeftOut.ToString("N0", Inv)} line item(s) left out", false)
        : ("Reconciled", true);

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
        Table(h, s.Reconciliation, new Column<ChargebackReconciliation>[]
        {
            new("Billing period", r => r.BillingPeriod, Show: s.Reconciliation.Select(r => r.BillingPeriod).Distinct().Count() > 1),
            new("Currency", r => r.Currency),
            new("Source Bedrock total", r => Exact(r.SourceTotal), Number: true),
            new("Allocated total", r => Exact(r.AllocatedTotal), Number: true),
            new("Difference", r => Exact(r.Difference), Number: true),
            new("Source tokens", r => r.SourceTokens.ToString("N0", Inv), Number: true),
            new("Allocated tokens", r => r.AllocatedTokens.ToString("N0", Inv), Number: true),
            new("Token difference", r => r.TokenDifference.ToString("N0", Inv), Number: true),
        }, status: r => Status(r.Reconciles, r.LineItemsLeftOut));
        if (s.Reconciliation.Count > 0)
            h.Element("p", $"Source total: {s.Reconciliation[0].SourceDescription}. The allocated total is the sum of every statement line, allocated shares included, in cost and in tokens, so a difference of zero means nothing was lost or counted twice. Each billing period reconciles on its own.", ("class", "note"));
        h.Close("section");
    }

    private static void CostCenters(HtmlWriter h, ChargebackStatement s, string currency, string suffix)
    {
        var centres = s.CostCenters.Where(c => c.Currency == currency).ToList();
        h.Open("section", ("id", $"cost-centres-{currency}"), ("class", "cost-centres"));
        h.Element("h2", $"Cost by cost centre{suffix}");
        BarChart(h, "chart-cost-centres", $"Cost by cost centre, {currency}",
            centres.Select(c => new Bar(c.CostCenter, new[] { new BarPart(c.Total, BarColor, $"{c.CostCenter}: {Money(c.Total, currency)}") })).ToList());
        Table(h, centres, new Column<CostCenterTotal>[]
        {
            new("Cost centre", c => c.CostCenter, Value: true),
            new("Owner", c => c.Owner, Value: true, Optional: true),
            new("Direct", c => Money(c.DirectCost), Number: true),
            new("Allocated", c => Money(c.AllocatedCost), Number: true),
            new("Unallocated", c => Money(c.UnallocatedCost), Number: true),
            new("Total", c => Money(c.Total), Number: true),
            new("Tokens", c => c.TotalTokens.ToString("N0", Inv), Number: true),
            new("Budget", c => c.Budget is { } b ? Money(b) : null, Number: true, Optional: true),
            new("Budget used", c => c.BudgetUsedPercent is { } p ? p.ToString("0.0", Inv) + " %" : null, Number: true, Optional: true),
        }, total: new[] { "Total", null, Money(centres.Sum(c => c.DirectCost)), Money(centres.Sum(c => c.AllocatedCost)),
            Money(centres.Sum(c => c.UnallocatedCost)), Money(centres.Sum(c => c.Total)), centres.Sum(c => c.TotalTokens).ToString("N0", Inv), null, null });
        var byPeriod = s.CostCentersByPeriod.Where(c => c.Currency == currency).ToList();
        if (byPeriod.Select(c => c.BillingPeriod).Distinct().Count() > 1)
        {
            h.Element("h3", "Per billing period");
            Table(h, byPeriod, new Column<CostCenterTotal>[]
            {
                new("Billing period", c => c.BillingPeriod),
                new("Cost centre", c => c.CostCenter, Value: true),
                new("Direct", c => Money(c.DirectCost), Number: true),
                new("Allocated", c => Money(c.AllocatedCost), Number: true),
                new("Unallocated", c => Money(c.UnallocatedCost), Number: true),
                new("Total", c => Money(c.Total), Number: true),
                new("Budget", c => c.Budget is { } b ? Money(b) : null, Number: true, Optional: true),
            });
        }
        h.Close("section");
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
            h.Open("rect", ("x", label), ("y", y + 3), ("width", Px(Math.Max(actual, 1))), ("height", row - 8), ("fill", c.Total > c.Budget ? NegativeColor : BarColor))
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
        Table(h, all.Take(TopPrincipals).ToList(), new Column<CostBreakdown>[]
        {
            new("Principal", p => PrincipalParser.ShortName(p.Key), Value: true, Arn: true, Title: p => p.Key),
            new("Cost centre", p => p.Detail, Value: true),
            new("Tokens", p => p.Tokens.ToString("N0", Inv), Number: true),
            new("Cost", p => Money(p.Cost), Number: true),
            new("Share", p => total == 0 ? null : (p.Cost / total * 100m).ToString("0.0", Inv) + " %", Number: true),
        });
        if (all.Count > TopPrincipals) h.Element("p", $"{all.Count - TopPrincipals} more principal(s) in the statement lines below.", ("class", "note"));
        h.Close("section");
    }

    private static void Models(HtmlWriter h, ChargebackStatement s, string currency, string suffix)
    {
        var rows = s.ByModelAndTokenType.Where(b => b.Currency == currency).ToList();
        var models = rows.GroupBy(b => b.Key).Select(g => (Model: g.Key, Total: g.Sum(b => b.Cost), Parts: g.OrderBy(p => TokenOrder(p.Detail)).ToList()))
            .OrderByDescending(m => m.Total).ThenBy(m => m.Model, StringComparer.Ordinal).ToList();
        h.Open("section", ("id", $"models-{currency}"), ("class", "models"));
        h.Element("h2", $"Cost by model and token direction{suffix}");
        if (models.Count == 0) { h.Element("p", "No model data.", ("class", "note")).Close("section"); return; }

        // Positive parts stack right of the zero line in the token direction's colour; credits and other negatives go left, in red.
        BarChart(h, "chart-models", $"Cost by model and token direction, {currency}", models.Select(m => new Bar(m.Model,
            m.Parts.Where(p => p.Cost != 0).Select(p => new BarPart(p.Cost, p.Cost < 0 ? NegativeColor : TokenColor(p.Detail),
                $"{m.Model}, {TokenLabel(p.Detail)}: {Money(p.Cost, currency)}")).ToList())).ToList());
        // Legend: the same colours as the bars.
        h.Open("svg", ("class", "legend-swatches"), ("xmlns", "http://www.w3.org/2000/svg"), ("width", ChartWidth), ("height", 20), ("viewBox", $"0 0 {ChartWidth} 20"), ("aria-hidden", "true"));
        var lx = 0;
        foreach (var (_, text, color) in TokenColors.Append(("Other", "Other / no tokens", OtherColor)).Append(("Negative", "Credits, negatives", NegativeColor)))
        {
            h.Open("rect", ("x", lx), ("y", 5), ("width", 10), ("height", 10), ("fill", color)).Close("rect");
            h.Element("text", text, ("x", lx + 14), ("y", 14));
            lx += 14 + text.Length * 7 + 18; // about 7 px per character at 12 px
        }
        h.Close("svg");

        var parts = models.SelectMany(m => m.Parts.Select(p => (m.Model, Part: p))).ToList();
        Table(h, parts, new Column<(string Model, CostBreakdown Part)>[]
        {
            new("Model", p => p.Model, Value: true),
            new("Token direction", p => TokenLabel(p.Part.Detail)),
            new("Tokens", p => p.Part.Tokens.ToString("N0", Inv), Number: true),
            new("Cost", p => Money(p.Part.Cost), Number: true),
            new("Per 1M tokens", p => p.Part.Tokens == 0 ? null : (p.Part.Cost / p.Part.Tokens * 1_000_000m).ToString("N4", Inv), Number: true, Optional: true),
        });
        h.Close("section");
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
        // Positive parts stack up from zero, negative parts (credits) go down from it; the axis spans round ticks.
        decimal Pos((string Day, decimal A, decimal U) d) => Math.Max(d.A, 0) + Math.Max(d.U, 0);
        decimal Neg((string Day, decimal A, decimal U) d) => Math.Min(d.A, 0) + Math.Min(d.U, 0);
        var ticks = Ticks(days.Min(d => Neg(d)), days.Max(d => Pos(d)), plotHeight);
        decimal min = ticks[0], max = ticks[^1];
        var scale = plotHeight / (double)(max - min);
        double Y(decimal v) => top + (double)(max - v) * scale;
        var zero = Y(0);
        var step = plotWidth / (double)days.Count;
        var barWidth = Math.Max(1, step * 0.75);
        var height = top + plotHeight + bottom;
        h.Open("svg", ("id", "chart-daily"), ("class", "chart"), ("xmlns", "http://www.w3.org/2000/svg"), ("width", ChartWidth), ("height", height),
            ("viewBox", $"0 0 {ChartWidth} {height}"), ("role", "img"), ("aria-label", $"Daily Bedrock cost, {currency}"));
        h.Element("title", $"Daily Bedrock cost, {currency}");
        var tickDecimals = ticks.Count > 1 && ticks[1] - ticks[0] < 1 ? "N2" : "N0";
        foreach (var t in ticks)
        {
            h.Open("line", ("class", "grid"), ("x1", left), ("x2", ChartWidth - 10), ("y1", Px(Y(t))), ("y2", Px(Y(t))), ("stroke", t == 0 ? "#888" : GridColor), ("stroke-width", 1)).Close("line");
            h.Element("text", t.ToString(tickDecimals, Inv), ("class", "tick"), ("x", left - 6), ("y", Px(Y(t) + 4)), ("text-anchor", "end"));
        }
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
                h.Element("text", d.Day[5..], ("class", "tick"), ("x", Px(x + barWidth / 2)), ("y", top + plotHeight + 18), ("text-anchor", "middle"));
            h.Close("g");
        }
        h.Element("text", "Blue: attributed to a principal; grey: unattributed; red: credits and other negatives", ("x", left), ("y", height - 6));
        h.Close("svg");
        h.Element("p", $"{days.Count} day(s), {days[0].Day} to {days[^1].Day}. Total {Money(days.Sum(d => d.Attributed + d.Unattributed), currency)}.", ("class", "note"));
        h.Close("section");
    }

    /// <summary>
    /// Round axis ticks (steps of 1, 2, 2.5 or 5 x 10^n) covering [min, max] and zero, at most one per 28 pixels of
    /// <paramref name="pixels"/>, so that their labels never overlap.
    /// </summary>
    internal static IReadOnlyList<decimal> Ticks(decimal min, decimal max, int pixels)
    {
        min = Math.Min(min, 0m);
        max = Math.Max(max, 0m);
        if (max == min) max = min + 1m;
        var maxTicks = Math.Max(2, pixels / 28);
        var raw = (double)(max - min) / (maxTicks - 1);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw * 0.999);
        var stepDecimal = (decimal)step;
        var first = Math.Floor(min / stepDecimal) * stepDecimal;
        var ticks = new List<decimal>();
        for (var t = first; t < max + stepDecimal; t += stepDecimal)
        {
            ticks.Add(t);
            if (t >= max) break;
        }
        return ticks;
    }

    private static void Lines(HtmlWriter h, ChargebackStatement s)
    {
        h.Open("section", ("id", "lines"));
        h.Element("h2", "Statement lines");
        h.Element("p", "One line per billing period, cost centre, principal and model. Allocation lines are a cost centre's share of an unallocated line, with the same principal and model, and carry their share of its tokens.", ("class", "note"));
        Table(h, s.Lines, new Column<ChargebackLine>[]
        {
            new("Billing period", l => l.BillingPeriod, Show: s.Lines.Select(l => l.BillingPeriod).Distinct().Count() > 1),
            new("Cost centre", l => l.CostCenter, Value: true),
            new("Type", l => l.LineType.ToString()),
            new("Principal", l => l.PrincipalName ?? l.Person ?? l.Role, Value: true, Arn: true, Title: l => l.Principal),
            new("Model", l => l.Model, Value: true),
            new("Tokens", l => l.TotalTokens == 0 ? null : l.TotalTokens.ToString("N0", Inv), Number: true),
            new("Cost", l => Money(l.Cost), Number: true),
            new("Currency", l => l.Currency, Show: s.Lines.Select(l => l.Currency).Distinct().Count() > 1),
            new("Reason", l => l.Reason.Length == 0 ? null : l.Reason, Value: true, Optional: true),
            new("Share", l => l.LineType == ChargebackLineType.Allocation ? $"{(l.AllocationShare ?? 0m) * 100m:0.##} %" : null, Number: true, Optional: true,
                Title: l => l.LineType == ChargebackLineType.Allocation ? $"Share of {l.AllocatedFrom}" : null),
        });
        h.Close("section");
    }

    /// <summary>
    /// A table column. <paramref name="Value"/>: data text, isolated and wrapped where it must be (with <paramref name="Arn"/>,
    /// at '/' and ':' first); other text (periods, types, currencies) never wraps. <paramref name="Optional"/>: left out
    /// when no row has a value; <paramref name="Show"/> false: left out (a column that would say the same on every row).
    /// </summary>
    private sealed record Column<T>(string Header, Func<T, string?> Text, bool Number = false, bool Value = false, bool Arn = false,
        bool Optional = false, Func<T, string?>? Title = null, bool Show = true);

    /// <summary>A table of <paramref name="rows"/>: optional columns without any value are left out; an optional total row and status column.</summary>
    private static void Table<T>(HtmlWriter h, IReadOnlyList<T> rows, IReadOnlyList<Column<T>> columns, IReadOnlyList<string?>? total = null,
        Func<T, (string Text, bool Ok)>? status = null)
    {
        var keep = columns.Select((c, i) => (c, i)).Where(x => x.c.Show && (!x.c.Optional || rows.Any(r => !string.IsNullOrEmpty(x.c.Text(r))))).ToList();
        h.Open("table").Open("thead").Open("tr");
        foreach (var (c, _) in keep) h.Element("th", c.Header, ("class", c.Number ? "num" : null));
        if (status is not null) h.Element("th", "Status");
        h.Close("tr").Close("thead").Open("tbody");
        foreach (var row in rows)
        {
            h.Open("tr");
            foreach (var (c, _) in keep) Cell(h, c.Text(row), c.Number, c.Value, c.Arn, c.Title?.Invoke(row));
            if (status is not null)
            {
                var (text, ok) = status(row);
                h.Open("td").Element("strong", text, ("class", ok ? "ok" : "bad")).Close("td");
            }
            h.Close("tr");
        }
        if (total is not null)
        {
            h.Open("tr", ("class", "total"));
            foreach (var (c, i) in keep) Cell(h, total[i], c.Number, false, false, null);
            if (status is not null) Cell(h, null, false, false, false, null);
            h.Close("tr");
        }
        h.Close("tbody").Close("table");
    }

    private static void Cell(HtmlWriter h, string? text, bool number, bool value, bool arn, string? title)
    {
        h.Open("td", ("class", number ? "num" : value ? "text" : "word"), ("title", title));
        if (value && !string.IsNullOrEmpty(text)) h.Value(text, arn);
        else h.Text(text);
        h.Close("td");
    }

    private sealed record BarPart(decimal Value, string Color, string Title);
    private sealed record Bar(string Label, IReadOnlyList<BarPart> Parts);

    /// <summary>
    /// A horizontal bar chart: each bar's positive parts stack right of a zero line, its negative parts left of it
    /// (so a credit-only row is drawn too), every non-zero part at least one pixel wide; the total after the bar.
    /// </summary>
    private static void BarChart(HtmlWriter h, string id, string title, IReadOnlyList<Bar> bars)
    {
        const int label = 220, area = 420, row = 26;
        var maxPos = bars.Select(b => b.Parts.Where(p => p.Value > 0).Sum(p => p.Value)).DefaultIfEmpty(0).Max();
        var maxNeg = bars.Select(b => -b.Parts.Where(p => p.Value < 0).Sum(p => p.Value)).DefaultIfEmpty(0).Max();
        var span = maxPos + maxNeg;
        if (span == 0) span = 1;
        var zero = label + (double)(maxNeg / span) * area;
        var height = bars.Count * row + 8;
        h.Open("svg", ("id", id), ("class", "chart"), ("xmlns", "http://www.w3.org/2000/svg"), ("width", ChartWidth), ("height", height),
            ("viewBox", $"0 0 {ChartWidth} {height}"), ("role", "img"), ("aria-label", title));
        h.Element("title", title);
        if (maxNeg > 0) h.Open("line", ("x1", Px(zero)), ("x2", Px(zero)), ("y1", 2), ("y2", height - 2), ("stroke", "#888"), ("stroke-width", 1)).Close("line");
        var y = 4;
        foreach (var bar in bars)
        {
            h.Open("g", ("class", "bar"));
            h.Element("text", Truncate(bar.Label, 32), ("x", label - 8), ("y", y + 15), ("text-anchor", "end"));
            double right = zero, left = zero;
            foreach (var part in bar.Parts.Where(p => p.Value != 0))
            {
                var w = Math.Max(1, (double)(Math.Abs(part.Value) / span) * area);
                double x;
                if (part.Value > 0) { x = right; right += w; } else { left -= w; x = left; }
                h.Open("rect", ("x", Px(x)), ("y", y + 3), ("width", Px(w)), ("height", row - 8), ("fill", part.Value < 0 ? NegativeColor : part.Color))
                    .Element("title", part.Title).Close("rect");
            }
            h.Element("text", Money(bar.Parts.Sum(p => p.Value)), ("x", Px(right + 6)), ("y", y + 15));
            h.Close("g");
            y += row;
        }
        h.Close("svg");
    }

    private static string Money(decimal value) => value.ToString("N2", Inv);
    private static string Money(decimal value, string currency) => $"{value.ToString("N2", Inv)} {currency}";
    private static string Exact(decimal value) => value.ToString("#,0.00########", Inv);
    private static string Px(double v) => v.ToString("0.##", Inv);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "\u2026";

    private static int TokenOrder(string? type) { var i = Array.FindIndex(TokenColors, t => t.TokenType == type); return i < 0 ? 99 : i; }
    private static string TokenColor(string? type) => TokenColors.FirstOrDefault(t => t.TokenType == type).Color ?? OtherColor;
    private static string TokenLabel(string? type) => TokenColors.FirstOrDefault(t => t.TokenType == type).Label ?? (type is null or "(none)" or "(all)" ? "other / no tokens" : type);
}
