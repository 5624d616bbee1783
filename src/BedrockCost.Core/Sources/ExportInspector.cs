using System.IO.Compression;
using System.Text.Json;
using BedrockCost.Core.Cur;
using CsvHelper;
using Parquet;
using Parquet.Schema;

namespace BedrockCost.Core.Sources;

/// <summary>
/// Describes the CUR 2.0 exports of a source: layout facts from the listing, and from the files of the
/// latest billing period the schema (principal column, tags column) and the iamPrincipal/ tag keys.
/// </summary>
public static class ExportInspector
{
    private const string PrincipalTagPrefix = "iamPrincipal/";

    public static async Task<IReadOnlyList<CostExport>> InspectAsync(CurSource source, IOperationContext ctx, CancellationToken ct)
    {
        var periods = await source.ResolveAsync(ctx, ct).ConfigureAwait(false);
        if (periods.Count == 0 || periods.All(p => p.Files.Count == 0))
            throw new BedrockCostException(ErrorIds.NoCurFiles, ErrorKind.NotFound,
                $"No CUR 2.0 export (no .parquet, .csv.gz or .csv data files) under {source.Description}.", source.Description);
        var result = new List<CostExport>();
        foreach (var export in periods.GroupBy(p => (p.ExportRoot, p.Mode == ExportMode.LooseFiles)))
        {
            var list = export.OrderBy(p => p.BillingPeriod, StringComparer.Ordinal).ToList();
            var files = list.SelectMany(p => p.Files).ToList();
            var latest = list.LastOrDefault(p => p.Files.Count > 0);
            var facts = latest is null ? new FileFacts() : await ReadFactsAsync(source, latest, ctx, ct).ConfigureAwait(false);
            var first = list[0];
            var location = LocationOf(source, first);
            var modes = list.Select(p => p.Mode).Distinct().ToList();
            var problems = Problems(first.ExportName, facts, files.Count > 0);
            foreach (var p in problems) ctx.Warning(p);
            var suggestion = Suggestion(first.ExportName, facts);
            if (suggestion is not null) ctx.Verbose(suggestion);
            result.Add(new CostExport
            {
                ExportName = first.ExportName,
                Location = location,
                S3Uri = source is S3CurSource && first.Mode != ExportMode.LooseFiles ? location : null,
                LiteralPath = source is S3CurSource || first.Mode == ExportMode.LooseFiles ? null : location,
                Mode = modes.Count == 1 ? modes[0].ToString() : string.Join(",", modes),
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
                PrincipalTagKeys = facts.TagKeys.Where(k => k.StartsWith(PrincipalTagPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray(),
                Columns = facts.Columns,
                Problems = problems.ToArray(),
                Suggestion = suggestion,
            });
        }
        return result;
    }

    private static string LocationOf(CurSource source, ExportPeriod p)
    {
        if (p.Mode == ExportMode.LooseFiles) return source.Description;
        return source is S3CurSource s3 ? $"s3://{s3.Location.Bucket}/{p.ExportRoot}" : p.ExportRoot;
    }

    private static List<string> Problems(string name, FileFacts f, bool hasFiles)
    {
        var problems = new List<string>();
        if (!hasFiles) return problems;
        if (!f.HasPrincipalColumn)
            problems.Add($"Export '{name}' has no line_item_iam_principal column, so costs cannot be attributed to IAM principals. {CurColumns.EnablePrincipalHelp}");
        if (!f.HasTagsColumn)
            problems.Add($"Export '{name}' has no tags column: add 'tags' to the export's query (SELECT ... tags FROM COST_AND_USAGE_REPORT) to see principal tags such as iamPrincipal/team.");
        else if (f.HasPrincipalColumn && !f.TagKeys.Any(k => k.StartsWith(PrincipalTagPrefix, StringComparison.Ordinal)))
            problems.Add($"Export '{name}' holds no iamPrincipal/ tag keys: tag the IAM users and roles (or pass session tags), then activate the keys as cost allocation tags " +
                         "in the management account (Billing console > Cost allocation tags, or Enable-BedrockPrincipalTag). Keys appear 24-48 hours after activation and are not retroactive.");
        return problems;
    }

    /// <summary>
    /// A full-width export (many more columns than the module reads) is read, downloaded or scanned whole on every run;
    /// the Bedrock-only export of New-BedrockCostExport is a fraction of it. Not a problem (other tools may need the
    /// columns), so a suggestion rather than a warning.
    /// </summary>
    private static string? Suggestion(string name, FileFacts f) =>
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
            _ => "Csv",
        }).Distinct().ToList();
        return formats.Count switch { 0 => "", 1 => formats[0], _ => "Mixed" };
    }

    private sealed class FileFacts
    {
        public bool HasPrincipalColumn, HasTagsColumn;
        /// <summary>Top-level columns of the widest file.</summary>
        public int Columns;
        public long PrincipalRows;
        public HashSet<string> TagKeys { get; } = new(StringComparer.Ordinal);
    }

    private static async Task<FileFacts> ReadFactsAsync(CurSource source, ExportPeriod period, IOperationContext ctx, CancellationToken ct)
    {
        var local = await source.FetchAsync(period.Files, ctx, ct).ConfigureAwait(false);
        var facts = new FileFacts { HasPrincipalColumn = true, HasTagsColumn = true };
        for (var i = 0; i < local.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var name = period.Files[i].Key;
            try
            {
                // The same format detection (magic bytes) and error as the engine's.
                switch (await CurEngine.DetectFormatAsync(new CurDataFile(local[i], name, period.BillingPeriod), ct).ConfigureAwait(false))
                {
                    case CurEngine.FileFormat.Parquet: await ReadParquetAsync(local[i], facts, ct).ConfigureAwait(false); break;
                    case CurEngine.FileFormat.GzipCsv: await ReadCsvAsync(local[i], true, facts, ct).ConfigureAwait(false); break;
                    case CurEngine.FileFormat.Csv: await ReadCsvAsync(local[i], false, facts, ct).ConfigureAwait(false); break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException and not BedrockCostException)
            {
                throw CurErrors.Corrupt(name, e);
            }
        }
        ctx.Verbose($"{period.ExportName} {period.BillingPeriod}: {local.Count} file(s) inspected, principal column {(facts.HasPrincipalColumn ? "present" : "absent")}, {facts.TagKeys.Count} tag key(s).");
        return facts;
    }

    private static async Task ReadParquetAsync(string path, FileFacts facts, CancellationToken ct)
    {
        await using var reader = await ParquetReader.CreateAsync(path, ParquetCurReader.ReaderOptions, ct).ConfigureAwait(false);
        var fields = reader.Schema.GetDataFields();
        facts.Columns = Math.Max(facts.Columns, reader.Schema.Fields.Count);
        var principal = fields.FirstOrDefault(f => f.Path.ToString()!.Equals(CurColumns.IamPrincipal, StringComparison.OrdinalIgnoreCase));
        var tagKey = fields.FirstOrDefault(f => f.MaxRepetitionLevel > 0 && f.Name == "key" &&
            f.Path.ToString()!.Split('/', '.')[0].Equals(CurColumns.Tags, StringComparison.OrdinalIgnoreCase));
        facts.HasPrincipalColumn &= principal is not null;
        facts.HasTagsColumn &= fields.Any(f => f.Path.ToString()!.Split('/', '.')[0].Equals(CurColumns.Tags, StringComparison.OrdinalIgnoreCase));
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            if (principal is not null)
            {
                var rows = (int)rg.RowCount;
                using var values = await StringColumn.ReadAsync(rg, principal, rows, ct).ConfigureAwait(false);
                for (var r = 0; r < rows; r++) if (!values!.IsNullOrEmpty(r)) facts.PrincipalRows++;
            }
            if (tagKey is not null)
            {
                var slots = (int)(rg.GetMetadata(tagKey).MetaData?.NumValues ?? rg.RowCount);
                var keys = new ReadOnlyMemory<char>[slots];
                var def = new int[slots];
                var rep = new int[slots];
                await rg.ReadRawAsync<ReadOnlyMemory<char>>(tagKey, keys, def, rep, ct).ConfigureAwait(false);
                // Values are dense: one per slot whose definition level is the maximum.
                var present = def.Count(d => d == tagKey.MaxDefinitionLevel);
                for (var k = 0; k < present; k++) if (keys[k].Length > 0) facts.TagKeys.Add(keys[k].ToString());
            }
        }
    }

    private static async Task ReadCsvAsync(string path, bool gzip, FileFacts facts, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        Stream input = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        await using var csv = CsvReader.Create(input, new CsvReaderOptions { HasHeader = true }, false);
        await csv.ReadHeaderAsync(ct).ConfigureAwait(false);
        var header = csv.Headers.Select(h => h.Trim()).ToList();
        facts.Columns = Math.Max(facts.Columns, header.Count);
        int cPrincipal = header.FindIndex(h => h.Equals(CurColumns.IamPrincipal, StringComparison.OrdinalIgnoreCase));
        int cTags = header.FindIndex(h => h.Equals(CurColumns.Tags, StringComparison.OrdinalIgnoreCase));
        facts.HasPrincipalColumn &= cPrincipal >= 0;
        facts.HasTagsColumn &= cTags >= 0;
        while (await csv.ReadAsync(ct).ConfigureAwait(false))
        {
            if (cPrincipal >= 0 && cPrincipal < csv.FieldCount && !csv.IsEmpty(cPrincipal)) facts.PrincipalRows++;
            if (cTags < 0 || cTags >= csv.FieldCount || csv.IsEmpty(cTags)) continue;
            var json = csv.GetString(cTags);
            if (json is null || json.Length < 2 || json[0] != '{') continue;
            using var doc = JsonDocument.Parse(json);
            foreach (var p in doc.RootElement.EnumerateObject()) facts.TagKeys.Add(p.Name);
        }
    }
}
