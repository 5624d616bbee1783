using System.Text;
using BedrockCost.Core.Allocation;

namespace BedrockCost.Core.Reports;

/// <summary>File formats of a chargeback statement.</summary>
public enum ChargebackFormat { Csv, Json, Html }

/// <summary>Writes a statement in one format; the one entry point for the cmdlets.</summary>
public static class ChargebackReport
{
    public static string Extension(ChargebackFormat format) => format switch
    {
        ChargebackFormat.Csv => ".csv",
        ChargebackFormat.Json => ".json",
        _ => ".html",
    };

    public static Task WriteAsync(ChargebackStatement statement, ChargebackFormat format, Stream stream, CancellationToken ct) => format switch
    {
        ChargebackFormat.Csv => CsvReport.WriteAsync(statement, stream, ct),
        ChargebackFormat.Json => JsonReport.WriteAsync(statement, stream, ct),
        _ => HtmlReport.WriteAsync(statement, stream, ct),
    };

    /// <summary>The default file name: bedrock-chargeback-PERIODS.ext.</summary>
    public static string DefaultFileName(ChargebackStatement statement, ChargebackFormat format)
    {
        var periods = statement.BillingPeriods.Count switch
        {
            0 => "statement",
            1 => statement.BillingPeriods[0],
            _ => $"{statement.BillingPeriods[0]}_{statement.BillingPeriods[^1]}",
        };
        return $"bedrock-chargeback-{periods}{Extension(format)}";
    }

    internal static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
}
