using System.Globalization;
using System.Text;
using BedrockCost.Core.Allocation;
using CsvHelper;

namespace BedrockCost.Core.Reports;

/// <summary>
/// The statement as CSV for spreadsheets, in two files so that a column sum means one thing: the lines (one row
/// per statement line, every cost-basis and token column filled, so SUM(Cost) is the Bedrock total of the
/// statement's currency) and the summary (cost-centre totals per billing period, then each period's
/// reconciliation in cost and tokens). Text that a spreadsheet would run as a formula (= + - @ tab CR) is
/// escaped by CsvHelper (CsvInjection.Escape: a leading apostrophe); control characters are never written.
/// Numbers are written as numbers, invariant culture, full precision.
/// </summary>
public static class CsvReport
{
    public static readonly string[] Header =
    {
        "BillingPeriod", "CostCenter", "Owner", "LineType", "Principal", "PrincipalType", "Person", "Role", "Account",
        "Model", "Currency", "Cost", "CostBasis", "UnblendedCost", "NetUnblendedCost", "InputTokens", "OutputTokens",
        "CacheReadTokens", "CacheWriteTokens", "TotalTokens", "AssignedBy", "Reason", "AllocatedFrom", "AllocationShare",
        "Policy", "Budget",
    };

    public static readonly string[] SummaryHeader =
    {
        "RowType", "BillingPeriod", "CostCenter", "Owner", "Currency", "Cost", "DirectCost", "AllocatedCost", "UnallocatedCost",
        "UnblendedCost", "NetUnblendedCost", "Tokens", "Budget", "BudgetUsedPercent", "CostBasis", "Policy", "Description",
    };

    public static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Escape,
        FormatProvider = CultureInfo.InvariantCulture,
        WriteByteOrderMark = true, // Excel reads UTF-8 without a BOM as the local code page.
    };

    /// <summary>The lines file.</summary>
    public static async Task WriteAsync(ChargebackStatement s, Stream stream, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(stream, Options, leaveOpen: true);
        csv.WriteHeader(Header);
        foreach (var l in s.Lines)
        {
            ct.ThrowIfCancellationRequested();
            Text(csv, l.BillingPeriod); Text(csv, l.CostCenter); Text(csv, l.Owner); Text(csv, l.LineType.ToString());
            Text(csv, l.Principal); Text(csv, l.PrincipalType); Text(csv, l.Person); Text(csv, l.Role); Text(csv, l.Account);
            Text(csv, l.Model); Text(csv, l.Currency);
            Number(csv, l.Cost); Text(csv, l.CostBasis); Number(csv, l.UnblendedCost); Number(csv, l.NetUnblendedCost);
            Number(csv, l.InputTokens); Number(csv, l.OutputTokens); Number(csv, l.CacheReadTokens); Number(csv, l.CacheWriteTokens);
            Number(csv, l.TotalTokens); Text(csv, l.AssignedBy); Text(csv, l.Reason); Text(csv, l.AllocatedFrom);
            Number(csv, l.AllocationShare); Text(csv, l.Policy.ToString()); Number(csv, l.Budget);
            await csv.EndRecordAsync(ct).ConfigureAwait(false);
        }
        await csv.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The summary file: RowType CostCenterTotal per billing period (and CostCenterStatementTotal over all of
    /// them when the statement has several), then per billing period and currency SourceTotal, AllocatedTotal and
    /// Difference, each with its tokens.
    /// </summary>
    public static async Task WriteSummaryAsync(ChargebackStatement s, Stream stream, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(stream, Options, leaveOpen: true);
        csv.WriteHeader(SummaryHeader);
        var policy = s.Policy.ToString();
        var totals = s.CostCentersByPeriod.Select(t => ("CostCenterTotal", t));
        if (s.CostCentersByPeriod.Select(t => t.BillingPeriod).Distinct().Count() > 1)
            totals = totals.Concat(s.CostCenters.Select(t => ("CostCenterStatementTotal", t)));
        foreach (var (rowType, t) in totals)
        {
            Text(csv, rowType); Text(csv, t.BillingPeriod); Text(csv, t.CostCenter); Text(csv, t.Owner); Text(csv, t.Currency);
            Number(csv, t.Total); Number(csv, t.DirectCost); Number(csv, t.AllocatedCost); Number(csv, t.UnallocatedCost);
            Number(csv, t.UnblendedCost); Number(csv, t.NetUnblendedCost); Number(csv, t.TotalTokens); Number(csv, t.Budget);
            Number(csv, t.BudgetUsedPercent); Text(csv, s.CostBasis); Text(csv, policy); Text(csv, null);
            await csv.EndRecordAsync(ct).ConfigureAwait(false);
        }
        foreach (var r in s.Reconciliation)
        {
            await Reconciliation(csv, "SourceTotal", r, r.SourceTotal, r.SourceTokens, s, r.SourceDescription, ct).ConfigureAwait(false);
            await Reconciliation(csv, "AllocatedTotal", r, r.AllocatedTotal, r.AllocatedTokens, s, "sum of the statement's lines", ct).ConfigureAwait(false);
            await Reconciliation(csv, "Difference", r, r.Difference, r.TokenDifference, s,
                r.Reconciles ? "reconciled" : "does not reconcile", ct).ConfigureAwait(false);
        }
        await csv.FlushAsync(ct).ConfigureAwait(false);
    }

    private static async Task Reconciliation(CsvWriter csv, string rowType, ChargebackReconciliation r, decimal cost, long tokens,
        ChargebackStatement s, string description, CancellationToken ct)
    {
        Text(csv, rowType); Text(csv, r.BillingPeriod); Text(csv, null); Text(csv, null); Text(csv, r.Currency);
        Number(csv, cost);
        for (var i = 0; i < 5; i++) Text(csv, null); // DirectCost .. NetUnblendedCost
        Number(csv, tokens); Text(csv, null); Text(csv, null); Text(csv, s.CostBasis); Text(csv, s.Policy.ToString()); Text(csv, description);
        await csv.EndRecordAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Writes text without control characters: line breaks and tabs become spaces, the rest (NUL...) U+FFFD.</summary>
    internal static void Text(CsvWriter csv, string? value) => csv.WriteField(WithoutControlCharacters(value));

    /// <summary>
    /// Text as a cell may hold it: no control character reaches a CSV file (a NUL byte truncates cells in some
    /// readers; a line break inside a value splits it for line-based tools). Whitespace controls become a space,
    /// the others the replacement character, so that something odd stays visible.
    /// </summary>
    public static string? WithoutControlCharacters(string? value)
    {
        if (value is null || !value.Any(char.IsControl)) return value;
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
            sb.Append(!char.IsControl(c) ? c : c is '\t' or '\n' or '\r' ? ' ' : '\uFFFD');
        return sb.ToString();
    }

    internal static void Number(CsvWriter csv, decimal? value)
    {
        if (value is { } v) csv.WriteField(v, default); else csv.WriteField((string?)null);
    }

    internal static void Number(CsvWriter csv, long? value)
    {
        if (value is { } v) csv.WriteField(v, default); else csv.WriteField((string?)null);
    }
}
