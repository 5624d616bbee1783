using System.Globalization;
using System.Text.Json;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using CsvHelper;
using Parquet;
using Parquet.Schema;

namespace BedrockCost.Core.Reports;

/// <summary>FOCUS data types, as the specification names them.</summary>
public enum FocusType { String, Decimal, DateTime, Json, Integer }

/// <summary>One column of the FOCUS dataset: its name, FOCUS data type, whether it allows nulls, and its value for a row.</summary>
public sealed record FocusColumn(string Name, FocusType Type, bool Nullable, Func<FocusRow, object?> Value);

/// <summary>One statement line as a FOCUS charge, with the statement it belongs to.</summary>
public sealed record FocusRow(ChargebackLine Line, ChargebackStatement Statement, DateTime PeriodStart, DateTime PeriodEnd, string ChargeCategory);

/// <summary>
/// The allocated statement as a FOCUS 1.3 cost-and-usage dataset (CSV and Parquet, the same columns): one charge
/// per statement line. Every column FOCUS 1.3 makes mandatory is written with its FOCUS type and nullability
/// (the deprecated ProviderName and PublisherName too, which 1.3 still requires), the conditional columns that
/// apply (SubAccountId, Tags, and for the shares the policy split off an unallocated line, the Allocated*
/// columns of data-generator-calculated split cost allocation), the recommended ChargeFrequency and
/// ServiceSubcategory, and x_ columns for what FOCUS has no column for (principal, cost centre, tokens, both
/// cost bases). A line sums several SKUs (a model's token directions), so there is no single SKU price:
/// PricingQuantity and PricingUnit are null and the conditional SKU and unit-price columns are left out.
/// Cost columns: BilledCost and EffectiveCost are the line's cost in the statement's basis (they sum to the
/// Bedrock total); ListCost and ContractedCost are its unblended cost for usage, and equal BilledCost for
/// credits, taxes and other adjustments.
/// </summary>
public static class FocusReport
{
    public const string Version = "1.3";
    public const string Provider = "AWS";
    public const string ServiceName = "Amazon Bedrock";
    public const string ServiceCategory = "AI and Machine Learning";
    public const string ServiceSubcategory = "Generative AI";
    /// <summary>The data generator's split cost allocation methods: the unallocated policies.</summary>
    public const string AllocatedMethodPrefix = "BedrockCost-";
    /// <summary>The data-generator-defined key of AllocatedTags naming the cost centre a share is charged to.</summary>
    public const string CostCenterTagKey = "BedrockCost/CostCenter";

    public static readonly IReadOnlyList<FocusColumn> Columns = new FocusColumn[]
    {
        // Mandatory (FOCUS 1.3 Cost and Usage).
        new("BilledCost", FocusType.Decimal, false, r => r.Line.Cost),
        new("BillingAccountId", FocusType.String, false, r => BillingAccountOf(r)),
        new("BillingAccountName", FocusType.String, true, _ => null),
        new("BillingCurrency", FocusType.String, false, r => r.Line.Currency),
        new("BillingPeriodEnd", FocusType.DateTime, false, r => r.PeriodEnd),
        new("BillingPeriodStart", FocusType.DateTime, false, r => r.PeriodStart),
        new("ChargeCategory", FocusType.String, false, r => r.ChargeCategory),
        new("ChargeClass", FocusType.String, true, _ => null),
        new("ChargeDescription", FocusType.String, true, r => DescriptionOf(r)),
        new("ChargePeriodEnd", FocusType.DateTime, false, r => r.PeriodEnd),
        new("ChargePeriodStart", FocusType.DateTime, false, r => r.PeriodStart),
        new("ContractedCost", FocusType.Decimal, false, r => ListCostOf(r)),
        new("EffectiveCost", FocusType.Decimal, false, r => r.Line.Cost),
        new("HostProviderName", FocusType.String, false, _ => Provider),
        new("InvoiceIssuerName", FocusType.String, false, _ => Provider),
        new("ListCost", FocusType.Decimal, false, r => ListCostOf(r)),
        new("PricingQuantity", FocusType.Decimal, true, _ => null),
        new("PricingUnit", FocusType.String, true, _ => null),
        new("ProviderName", FocusType.String, false, _ => Provider),
        new("PublisherName", FocusType.String, false, _ => Provider),
        new("ServiceCategory", FocusType.String, false, _ => ServiceCategory),
        new("ServiceName", FocusType.String, false, _ => ServiceName),
        new("ServiceProviderName", FocusType.String, false, _ => Provider),
        // Recommended.
        new("ChargeFrequency", FocusType.String, false, r => r.ChargeCategory == "Usage" ? "Usage-Based" : "One-Time"),
        new("ServiceSubcategory", FocusType.String, false, _ => ServiceSubcategory),
        // Conditional: sub accounts, tags, split cost allocation.
        new("SubAccountId", FocusType.String, true, r => r.Line.Account),
        new("Tags", FocusType.Json, true, r => r.Line.Tags.Count == 0 ? null : Json(r.Line.Tags)),
        new("AllocatedMethodId", FocusType.String, true, r => IsShare(r) ? AllocatedMethodPrefix + r.Line.Policy : null),
        new("AllocatedMethodDetails", FocusType.Json, true, r => IsShare(r) ? MethodDetails(r.Line) : null),
        new("AllocatedResourceId", FocusType.String, true, r => IsShare(r) ? r.Line.CostCenter : null),
        new("AllocatedResourceName", FocusType.String, true, r => IsShare(r) ? r.Line.CostCenter : null),
        new("AllocatedTags", FocusType.Json, true, r => IsShare(r) ? Json(new Dictionary<string, string> { [CostCenterTagKey] = r.Line.CostCenter }) : null),
        // Custom columns (x_ prefix, PascalCase, as FOCUS asks).
        new("x_CostCenter", FocusType.String, false, r => r.Line.CostCenter),
        new("x_CostCenterOwner", FocusType.String, true, r => r.Line.Owner),
        new("x_LineType", FocusType.String, false, r => r.Line.LineType.ToString()),
        new("x_AssignedBy", FocusType.String, true, r => Empty(r.Line.AssignedBy)),
        new("x_UnallocatedReason", FocusType.String, true, r => Empty(r.Line.Reason)),
        new("x_AllocatedFrom", FocusType.String, true, r => Empty(r.Line.AllocatedFrom)),
        new("x_Principal", FocusType.String, true, r => r.Line.Principal),
        new("x_PrincipalType", FocusType.String, true, r => r.Line.PrincipalType),
        new("x_Person", FocusType.String, true, r => r.Line.Person),
        new("x_Role", FocusType.String, true, r => r.Line.Role),
        new("x_Model", FocusType.String, true, r => r.Line.Model),
        new("x_CostBasis", FocusType.String, false, r => r.Line.CostBasis),
        new("x_UnblendedCost", FocusType.Decimal, false, r => r.Line.UnblendedCost),
        new("x_NetUnblendedCost", FocusType.Decimal, false, r => r.Line.NetUnblendedCost),
        new("x_InputTokens", FocusType.Integer, false, r => r.Line.InputTokens),
        new("x_OutputTokens", FocusType.Integer, false, r => r.Line.OutputTokens),
        new("x_CacheReadTokens", FocusType.Integer, false, r => r.Line.CacheReadTokens),
        new("x_CacheWriteTokens", FocusType.Integer, false, r => r.Line.CacheWriteTokens),
        new("x_TotalTokens", FocusType.Integer, false, r => r.Line.TotalTokens),
    };

    /// <summary>FOCUS ChargeCategory of a line, from why it has no principal (a principal's own cost is usage).</summary>
    public static string ChargeCategoryOf(ChargebackLine line) => line.Reason switch
    {
        "credit" or "refund" => "Credit",
        "tax" => "Tax",
        "fee" or "savings plan" => "Purchase",
        "discount" => "Adjustment",
        _ => "Usage",
    };

    /// <summary>The statement's lines as FOCUS rows; the payer account is the usage account's, when the source named it.</summary>
    public static IEnumerable<FocusRow> Rows(ChargebackStatement s) => s.Lines.Select(l =>
    {
        var periods = ChargebackInput.PeriodsOf(new[] { l.BillingPeriod });
        var start = periods.Length == 0 ? s.GeneratedAt.Date : CostQuery.PeriodStart(periods[0]);
        var end = periods.Length == 0 ? start.AddDays(1) : CostQuery.PeriodStart(periods[^1]).AddMonths(1);
        return new FocusRow(l, s, DateTime.SpecifyKind(start, DateTimeKind.Utc), DateTime.SpecifyKind(end, DateTimeKind.Utc), ChargeCategoryOf(l));
    });

    /// <summary>
    /// BillingAccountId, which FOCUS requires on every row: the payer of the line's usage account, else the one
    /// payer of the data, else (a source that does not name payers: pipeline rows, Cost Explorer) the usage account.
    /// </summary>
    private static string BillingAccountOf(FocusRow r) => PayerOf(r.Line, r.Statement) ?? r.Line.Account ?? UnknownAccount;

    /// <summary>The payer account of a line: its usage account's, else the data's only payer; null when the source named none.</summary>
    private static string? PayerOf(ChargebackLine line, ChargebackStatement s)
    {
        if (line.Account is { } account && s.BillingAccounts.TryGetValue(account, out var payer)) return payer;
        var distinct = s.BillingAccounts.Values.Distinct(StringComparer.Ordinal).Take(2).ToList();
        return distinct.Count == 1 ? distinct[0] : null;
    }

    /// <summary>BillingAccountId of a row whose source named no account at all.</summary>
    public const string UnknownAccount = "unknown";

    /// <summary>Lines whose BillingAccountId is not a payer account the source named (the cmdlet says so).</summary>
    public static int RowsWithoutPayer(ChargebackStatement s) => s.Lines.Count(l => PayerOf(l, s) is null);

    private static bool IsShare(FocusRow r) => r.Line.LineType == ChargebackLineType.Allocation;
    private static string? Empty(string text) => text.Length == 0 ? null : text;
    private static decimal ListCostOf(FocusRow r) => r.ChargeCategory == "Usage" ? r.Line.UnblendedCost : r.Line.Cost;

    private static string DescriptionOf(FocusRow r)
    {
        var l = r.Line;
        var who = Classification.PrincipalParser.ShortName(l.Principal) ?? l.Person ?? l.Role;
        var what = $"{ServiceName} {l.Model ?? "usage"}{(who is null ? string.Empty : $" by {who}")}";
        return l.LineType switch
        {
            ChargebackLineType.Allocation => $"{(l.AllocationShare ?? 0m) * 100m:0.##} % of {what} ({l.Reason}), charged to {l.CostCenter} by the {l.Policy} policy",
            ChargebackLineType.Unallocated => $"{what} ({l.Reason}), not allocated",
            _ => $"{what}, charged to {l.CostCenter}",
        };
    }

    private static string MethodDetails(ChargebackLine l) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["Elements"] = new[] { new Dictionary<string, object?> { ["AllocatedRatio"] = l.AllocationShare ?? 0m } },
        ["x_Policy"] = l.Policy.ToString(),
        ["x_OriginCharge"] = l.AllocatedFrom,
    });

    private static string Json(IReadOnlyDictionary<string, string> values) =>
        JsonSerializer.Serialize(values.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value));

    /// <summary>FOCUS Date/Time format: ISO 8601 in UTC.</summary>
    private static string DateText(DateTime d) => d.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static async Task WriteCsvAsync(ChargebackStatement s, Stream stream, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(stream, CsvReport.Options, leaveOpen: true);
        csv.WriteHeader(Columns.Select(c => c.Name).ToArray());
        foreach (var row in Rows(s))
        {
            ct.ThrowIfCancellationRequested();
            foreach (var c in Columns)
            {
                switch (c.Value(row))
                {
                    case null: csv.WriteField((string?)null); break;
                    case decimal d: CsvReport.Number(csv, d); break;
                    case long n: CsvReport.Number(csv, n); break;
                    case DateTime t: csv.WriteField(DateText(t)); break;
                    case var v: CsvReport.Text(csv, Convert.ToString(v, CultureInfo.InvariantCulture)); break;
                }
            }
            await csv.EndRecordAsync(ct).ConfigureAwait(false);
        }
        await csv.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Decimal columns as DECIMAL(38,18): every CUR amount and allocated share fits exactly.</summary>
    private const int Precision = 38, Scale = 18;

    public static DataField ParquetField(FocusColumn c) => c.Type switch
    {
        FocusType.Decimal => new DecimalDataField(c.Name, Precision, Scale, forceByteArrayEncoding: false, isNullable: c.Nullable),
        FocusType.DateTime => new DateTimeDataField(c.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: c.Nullable),
        FocusType.Integer => new DataField<long>(c.Name, c.Nullable),
        _ => new DataField<string>(c.Name, c.Nullable),
    };

    public static async Task WriteParquetAsync(ChargebackStatement s, Stream stream, CancellationToken ct)
    {
        var fields = Columns.Select(ParquetField).ToArray();
        var rows = Rows(s).ToList();
        // Parquet.Net writes to a seekable stream; the report writer gives it the temporary file itself.
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, false, ct).ConfigureAwait(false);
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < Columns.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var c = Columns[i];
            var values = rows.Select(c.Value).ToArray();
            switch (c.Type)
            {
                case FocusType.Decimal when c.Nullable:
                    await group.WriteAsync<decimal>(fields[i], values.Select(v => (decimal?)v).ToArray().AsMemory(), null, null, ct).ConfigureAwait(false); break;
                case FocusType.Decimal:
                    await group.WriteAsync<decimal>(fields[i], values.Select(v => (decimal)v!).ToArray().AsMemory(), null, null, ct).ConfigureAwait(false); break;
                case FocusType.DateTime:
                    await group.WriteAsync<DateTime>(fields[i], values.Select(v => (DateTime)v!).ToArray().AsMemory(), null, null, ct).ConfigureAwait(false); break;
                case FocusType.Integer:
                    await group.WriteAsync<long>(fields[i], values.Select(v => (long)v!).ToArray().AsMemory(), null, null, ct).ConfigureAwait(false); break;
                default:
                    var text = values.Select(v => v is null ? null : Convert.ToString(v, CultureInfo.InvariantCulture)).ToArray();
                    if (c.Nullable)
                        await group.WriteAsync<ReadOnlyMemory<char>>(fields[i], text.Select(t => t?.AsMemory()).ToArray().AsMemory(), null, null, ct).ConfigureAwait(false);
                    else
                        await group.WriteAsync<ReadOnlyMemory<char>>(fields[i], text.Select(t => (t ?? string.Empty).AsMemory()).ToArray().AsMemory(), null, null, ct).ConfigureAwait(false);
                    break;
            }
        }
    }
}
