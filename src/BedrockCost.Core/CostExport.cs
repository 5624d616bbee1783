namespace BedrockCost.Core;

/// <summary>
/// One CUR 2.0 export found under an S3 location or a folder (Get-BedrockCostExport), with what it holds
/// and what is misconfigured. <see cref="S3Uri"/> (S3) or <see cref="LiteralPath"/> (disk) binds by property
/// name to the cost cmdlets, so an export found here can be piped straight into them.
/// </summary>
public sealed class CostExport
{
    public string ExportName { get; init; } = string.Empty;
    /// <summary>s3://bucket/prefix/export or the export folder.</summary>
    public string Location { get; init; } = string.Empty;
    /// <summary>The export as an S3 URI; null for exports on disk.</summary>
    public string? S3Uri { get; init; }
    /// <summary>The export folder; null for exports in S3.</summary>
    public string? LiteralPath { get; init; }
    /// <summary>Overwrite, CreateNew, or LooseFiles (files outside the export layout).</summary>
    public string Mode { get; init; } = string.Empty;
    /// <summary>A legacy Cost and Usage Report (CUR 1.0): read, but it carries no IAM principal data.</summary>
    public bool IsLegacy { get; init; }
    /// <summary>Parquet, CsvGzip, Csv, or Mixed.</summary>
    public string Format { get; init; } = string.Empty;
    public string[] BillingPeriods { get; init; } = Array.Empty<string>();
    /// <summary>Data files that count (latest execution of each period; empty leftovers excluded).</summary>
    public int Files { get; init; }
    /// <summary>Bytes of those files.</summary>
    public long Size { get; init; }
    /// <summary>Newest data file or manifest (UTC).</summary>
    public DateTime? LastDelivery { get; init; }
    /// <summary>Files of earlier create-new executions, empty leftover chunks and other ignored files.</summary>
    public int IgnoredFiles { get; init; }
    /// <summary>The billing period whose files were read for the columns and tag keys below.</summary>
    public string? InspectedPeriod { get; init; }
    /// <summary>True when the files have the line_item_iam_principal column.</summary>
    public bool HasPrincipalData { get; init; }
    /// <summary>Rows of the inspected period with a principal.</summary>
    public long PrincipalLineItems { get; init; }
    /// <summary>True when the files have the tags column.</summary>
    public bool HasTags { get; init; }
    /// <summary>The iamPrincipal/ tag keys found in the inspected period.</summary>
    public string[] PrincipalTagKeys { get; init; } = Array.Empty<string>();
    /// <summary>Top-level columns of the inspected files (the module reads 17 of CUR 2.0's columns).</summary>
    public int Columns { get; init; }
    /// <summary>What is misconfigured and how to fix it (also written as warnings).</summary>
    public string[] Problems { get; init; } = Array.Empty<string>();
    /// <summary>For a full-width export, the Bedrock-only export New-BedrockCostExport creates (also on the Verbose stream); else null.</summary>
    public string? Suggestion { get; init; }
}
