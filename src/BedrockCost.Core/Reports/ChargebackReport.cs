using System.Text;
using BedrockCost.Core.Allocation;

namespace BedrockCost.Core.Reports;

/// <summary>File formats of a chargeback statement.</summary>
public enum ChargebackFormat
{
    /// <summary>Two CSV files: the lines, and the summary (cost-centre totals and the reconciliation).</summary>
    Csv,
    Json,
    Html,
    /// <summary>A FOCUS 1.3 cost-and-usage dataset of the allocated statement, as CSV and as Parquet.</summary>
    Focus,
}

/// <summary>One file a format writes: its name suffix (after the base name) and extension.</summary>
public sealed record ChargebackFile(ChargebackFormat Format, string Suffix, string Extension, Func<ChargebackStatement, Stream, CancellationToken, Task> Write);

/// <summary>Writes a statement in one format; the one entry point for the cmdlets.</summary>
public static class ChargebackReport
{
    private static readonly ChargebackFile[] All =
    {
        new(ChargebackFormat.Csv, string.Empty, ".csv", CsvReport.WriteAsync),
        new(ChargebackFormat.Csv, "-summary", ".csv", CsvReport.WriteSummaryAsync),
        new(ChargebackFormat.Json, string.Empty, ".json", JsonReport.WriteAsync),
        new(ChargebackFormat.Html, string.Empty, ".html", HtmlReport.WriteAsync),
        new(ChargebackFormat.Focus, "-focus", ".csv", FocusReport.WriteCsvAsync),
        new(ChargebackFormat.Focus, "-focus", ".parquet", FocusReport.WriteParquetAsync),
    };

    /// <summary>The files of a format, its main file first.</summary>
    public static IReadOnlyList<ChargebackFile> Files(ChargebackFormat format) => All.Where(f => f.Format == format).ToList();

    /// <summary>The formats whose files have the extension <paramref name="extension"/> (".csv" is the CSV format's, the main file's).</summary>
    public static IReadOnlyList<ChargebackFormat> FormatsOfExtension(string extension) =>
        All.Where(f => f.Extension.Equals(extension, StringComparison.OrdinalIgnoreCase)).Select(f => f.Format).Distinct().Take(1).ToList();

    /// <summary>The default base name: bedrock-chargeback-PERIODS (files add their suffix and extension).</summary>
    public static string DefaultBaseName(ChargebackStatement statement)
    {
        var periods = statement.BillingPeriods.Count switch
        {
            0 => "statement",
            1 => statement.BillingPeriods[0],
            _ => $"{statement.BillingPeriods[0]}_{statement.BillingPeriods[^1]}",
        };
        return $"bedrock-chargeback-{periods}";
    }

    /// <summary>
    /// The paths of the files to write for <paramref name="formats"/>. A folder gets DefaultBaseName + suffix +
    /// extension per file. A file name is kept as given for the file of one format that has its extension; the
    /// format's other files take its base name with their own suffix (or extension); with several formats every
    /// file takes the base name with its suffix and extension.
    /// </summary>
    public static IReadOnlyList<(ChargebackFile File, string Path)> Targets(ChargebackStatement statement, IReadOnlyList<ChargebackFormat> formats,
        string destination, bool isFolder)
    {
        var files = formats.Distinct().SelectMany(Files).ToList();
        if (isFolder)
            return files.Select(f => (f, Path.Combine(destination, DefaultBaseName(statement) + f.Suffix + f.Extension))).ToList();
        var extension = Path.GetExtension(destination);
        var stem = destination[..^extension.Length];
        var main = formats.Distinct().Count() == 1
            ? files.FirstOrDefault(f => f.Extension.Equals(extension, StringComparison.OrdinalIgnoreCase)) ?? files[0]
            : null;
        return files.Select(f => (f, f == main ? destination
            : main is not null && !f.Extension.Equals(main.Extension, StringComparison.OrdinalIgnoreCase) ? stem + f.Extension
            : stem + f.Suffix + f.Extension)).ToList();
    }

    internal static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
}
