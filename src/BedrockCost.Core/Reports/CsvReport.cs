using System.Globalization;
using BedrockCost.Core.Allocation;
using CsvHelper;

namespace BedrockCost.Core.Reports;

/// <summary>
/// The statement as one CSV table: a row per line (RowType Line), then a row per cost centre and currency
/// (RowType CostCenterTotal), then the reconciliation (RowType SourceTotal, AllocatedTotal, Difference).
/// Text that a spreadsheet would run as a formula (= + - @ tab CR) is escaped by CsvHelper (CsvInjection.Escape:
/// a leading apostrophe). Numbers are written as numbers, invariant culture, full precision.
/// </summary>
public static class CsvReport
{
    public static readonly string[] Header =
    {
        "RowType", "BillingPeriod", "CostCenter", "Owner", "LineType", "Principal", "PrincipalType", "Person", "Role", "Account",
        "Model", "Currency", "Cost", "CostBasis", "UnblendedCost", "NetUnblendedCost", "InputTokens", "OutputTokens",
        "CacheReadTokens", "CacheWriteTokens", "TotalTokens", "AssignedBy", "Reason", "AllocatedFrom", "AllocationShare",
        "Policy", "Budget",
    };

    public static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        Injection = CsvInjection.Escape,
        FormatProvider = CultureInfo.InvariantCulture,
        WriteByteOrderMark = true, // Excel reads UTF-8 without a BOM as the local code page.
    };

    public static async Task WriteAsync(ChargebackStatement s, Stream stream, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(stream, Options, leaveOpen: true);
        csv.WriteHeader(Header);
        var periods = string.Join(",", s.BillingPeriods);
        var policy = s.Policy.ToString();
        foreach (var l in s.Lines)
        {
            ct.ThrowIfCancellationRequested();
            csv.WriteField("Line"); csv.WriteField(l.BillingPeriod); csv.WriteField(l.CostCenter); csv.WriteField(l.Owner);
            csv.WriteField(l.LineType.ToString()); csv.WriteField(l.Principal); csv.WriteField(l.PrincipalType); csv.WriteField(l.Person);
            csv.WriteField(l.Role); csv.WriteField(l.Account); csv.WriteField(l.Model); csv.WriteField(l.Currency);
            Number(csv, l.Cost); csv.WriteField(l.CostBasis); Number(csv, l.UnblendedCost); Number(csv, l.NetUnblendedCost);
            Number(csv, l.InputTokens); Number(csv, l.OutputTokens); Number(csv, l.CacheReadTokens); Number(csv, l.CacheWriteTokens);
            Number(csv, l.TotalTokens); csv.WriteField(l.AssignedBy); csv.WriteField(l.Reason); csv.WriteField(l.AllocatedFrom);
            Number(csv, l.AllocationShare); csv.WriteField(l.Policy.ToString()); Number(csv, l.Budget);
            await csv.EndRecordAsync(ct).ConfigureAwait(false);
        }
        foreach (var t in s.CostCenters)
            await Summary(csv, "CostCenterTotal", periods, t.CostCenter, t.Owner, t.Currency, t.Total, s.CostBasis, policy, t.Budget, t.TotalTokens, ct).ConfigureAwait(false);
        foreach (var r in s.Reconciliation)
        {
            await Summary(csv, "SourceTotal", periods, null, null, r.Currency, r.SourceTotal, s.CostBasis, policy, null, null, ct, r.SourceDescription).ConfigureAwait(false);
            await Summary(csv, "AllocatedTotal", periods, null, null, r.Currency, r.AllocatedTotal, s.CostBasis, policy, null, null, ct).ConfigureAwait(false);
            await Summary(csv, "Difference", periods, null, null, r.Currency, r.Difference, s.CostBasis, policy, null, null, ct).ConfigureAwait(false);
        }
        await csv.FlushAsync(ct).ConfigureAwait(false);
    }

    private static async Task Summary(CsvWriter csv, string rowType, string periods, string? costCenter, string? owner, string currency,
        decimal cost, string basis, string policy, decimal? budget, long? tokens, CancellationToken ct, string? reason = null)
    {
        csv.WriteField(rowType); csv.WriteField(periods); csv.WriteField(costCenter); csv.WriteField(owner);
        for (var i = 0; i < 7; i++) csv.WriteField((string?)null); // LineType .. Model
        csv.WriteField(currency); Number(csv, cost); csv.WriteField(basis);
        for (var i = 0; i < 6; i++) csv.WriteField((string?)null); // UnblendedCost .. CacheWriteTokens
        Number(csv, tokens); csv.WriteField((string?)null); csv.WriteField(reason); csv.WriteField((string?)null); csv.WriteField((string?)null);
        csv.WriteField(policy); Number(csv, budget);
        await csv.EndRecordAsync(ct).ConfigureAwait(false);
    }

    private static void Number(CsvWriter csv, decimal? value)
    {
        if (value is { } v) csv.WriteField(v, default); else csv.WriteField((string?)null);
    }

    private static void Number(CsvWriter csv, long? value)
    {
        if (value is { } v) csv.WriteField(v, default); else csv.WriteField((string?)null);
    }
}
