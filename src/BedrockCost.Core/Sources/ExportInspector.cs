using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Cur;

namespace BedrockCost.Core.Sources;

/// <summary>
/// Describes the CUR exports (CUR 2.0, or legacy CUR) of a source: layout facts from the listing, and from the files of the
/// latest billing period the schema (principal column, tags column) and the iamPrincipal/ tag keys.
/// </summary>
public static class ExportInspector
{
    public static async Task<IReadOnlyList<CostExport>> InspectAsync(CurSource source, IOperationContext ctx, CancellationToken ct)
    {
        var periods = await source.ResolveAsync(ctx, ct).ConfigureAwait(false);
        if (periods.Count == 0 || periods.All(p => p.Files.Count == 0)) throw source.NoData();
        var result = new List<CostExport>();
        foreach (var export in periods.GroupBy(p => (p.ExportRoot, p.Mode == ExportMode.LooseFiles)))
        {
            var list = export.OrderBy(p => p.BillingPeriod, StringComparer.Ordinal).ToList();
            var files = list.SelectMany(p => p.Files).ToList();
            var latest = list.LastOrDefault(p => p.Files.Count > 0);
            var facts = latest is null ? new CurFileFacts { HasPrincipalColumn = false, HasTagsColumn = false } : await ReadFactsAsync(source, latest, ctx, ct).ConfigureAwait(false);
            var first = list[0];
            // Loose files are not an export a cmdlet can take back: they keep the location given.
            var location = first.Mode == ExportMode.LooseFiles ? new ExportLocation(source.Description, null, null) : source.Store.Locate(first.ExportRoot);
            var modes = list.Select(p => p.Mode).Distinct().ToList();
            var problems = Problems(first.ExportName, facts, files.Count > 0);
            foreach (var p in problems) ctx.Warning(p);
            var suggestion = Suggestion(first.ExportName, facts);
            if (suggestion is not null) ctx.Verbose(suggestion);
            result.Add(new CostExport
            {
                ExportName = first.ExportName,
                Location = location.Location,
                S3Uri = location.S3Uri,
                LiteralPath = location.LiteralPath,
                Mode = modes.Count == 1 ? modes[0].ToString() : string.Join(",", modes),
                IsLegacy = facts.IsLegacy,
                Format = FormatOf(files),
                BillingPeriods = list.Where(p => p.BillingPeriod is not null && p.Files.Count > 0).Select(p => p.BillingPeriod!).ToArray(),
                Files = files.Count,
                Size = files.Sum(f => f.Size),
                LastDelivery = files.Concat(list.Where(p => p.Manifest is not null).Select(p => p.Manifest!))
                    .Select(f => (DateTimeOffset?)f.LastModified).Max()?.UtcDateTime,
                IgnoredFiles = list.Sum(p => p.IgnoredFiles),
                InspectedPeriod = latest?.BillingPeriod,
                HasPrincipalData = facts.HasPrincipalColumn,
                PrincipalLineItems = facts.PrincipalRows,
                HasTags = facts.HasTagsColumn,
                PrincipalTagKeys = facts.TagKeys.Where(k => k.StartsWith(TagKeys.PrincipalPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray(),
                Columns = facts.Columns,
                Problems = problems.ToArray(),
                Suggestion = suggestion,
            });
        }
        return result;
    }

    private static List<string> Problems(string name, CurFileFacts f, bool hasFiles)
    {
        var problems = new List<string>();
        if (!hasFiles) return problems;
        if (f.IsLegacy)
        {
            // Not a CUR 2.0 export missing columns: a different report, read as it is.
            problems.Add($"Export '{name}' is a legacy Cost and Usage Report (CUR 1.0): it is read, but all its Bedrock cost is unattributed. {CurColumns.LegacyHelp}");
            return problems;
        }
        if (!f.HasPrincipalColumn)
            problems.Add($"Export '{name}' has no line_item_iam_principal column, so costs cannot be attributed to IAM principals. {CurColumns.EnablePrincipalHelp}");
        if (!f.HasTagsColumn)
            problems.Add($"Export '{name}' has no tags column: add 'tags' to the export's query (SELECT ... tags FROM COST_AND_USAGE_REPORT) to see principal tags such as iamPrincipal/team.");
        else if (f.HasPrincipalColumn && !f.TagKeys.Any(k => k.StartsWith(TagKeys.PrincipalPrefix, StringComparison.Ordinal)))
            problems.Add($"Export '{name}' holds no iamPrincipal/ tag keys: tag the IAM users and roles (or pass session tags), then activate the keys as cost allocation tags " +
                         "in the management account (Billing console > Cost allocation tags, or Enable-BedrockPrincipalTag). Keys appear 24-48 hours after activation and are not retroactive.");
        return problems;
    }

    /// <summary>
    /// A full-width export (many more columns than the module reads) is read, downloaded or scanned whole on every run;
    /// the Bedrock-only export of New-BedrockCostExport is a fraction of it. Not a problem (other tools may need the
    /// columns), so a suggestion rather than a warning.
    /// </summary>
    private static string? Suggestion(string name, CurFileFacts f) =>
        f.Columns > 2 * DataExports.LeanExport.Columns.Count
            ? $"Export '{name}' has {f.Columns} columns, of which BedrockCost reads {DataExports.LeanExport.Columns.Count}, and rows of every service. " +
              "New-BedrockCostExport creates a CUR 2.0 export with only those columns and only Bedrock rows, a fraction of the data to download or scan."
            : null;

    private static string FormatOf(IReadOnlyList<StoredObject> files)
    {
        var formats = files.Select(f => f.Key.ToLowerInvariant() switch
        {
            var k when k.EndsWith(".parquet") => "Parquet",
            var k when k.EndsWith(".gz") => "CsvGzip",
            var k when k.EndsWith(".zip") => "CsvZip",
            _ => "Csv",
        }).Distinct().ToList();
        return formats.Count switch { 0 => "", 1 => formats[0], _ => "Mixed" };
    }

    internal static async Task<CurFileFacts> ReadFactsAsync(CurSource source, ExportPeriod period, IOperationContext ctx, CancellationToken ct)
    {
        var files = await source.PrepareAsync(period.Files.Select(f => (f, period.BillingPeriod)), ctx, ct).ConfigureAwait(false);
        var facts = new CurFileFacts();
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            var stream = await file.OpenAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                // The same format detection, readers and errors as the engine's.
                var format = await CurEngine.DetectFormatAsync(stream, file.DisplayName, ct).ConfigureAwait(false);
                if (format == CurEngine.FileFormat.Parquet) await ParquetCurReader.InspectAsync(stream, file.DisplayName, facts, ct).ConfigureAwait(false);
                else if (format != CurEngine.FileFormat.Empty) await CsvCurReader.InspectAsync(stream, format, file.DisplayName, facts, ct).ConfigureAwait(false);
            }
        }
        ctx.Verbose($"{period.ExportName} {period.BillingPeriod}: {files.Count} file(s) inspected, principal column {(facts.HasPrincipalColumn ? "present" : "absent")}, {facts.TagKeys.Count} tag key(s).");
        return facts;
    }
}
