using System.Management.Automation;
using BedrockCost.Abstractions;
using BedrockCost.Core;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Reports;

namespace BedrockCost.Commands;

/// <summary>
/// Writes a chargeback statement as CSV (lines and summary), JSON, self-contained HTML and/or a FOCUS 1.3 dataset
/// (CSV and Parquet). The source is read with -Path/-LiteralPath like every cost cmdlet (or comes from the
/// pipeline); the files go to -Destination. Each file is written atomically, under ShouldProcess, and returned as a
/// FileInfo.
/// </summary>
[Cmdlet(VerbsData.Export, "BedrockChargeback", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportBedrockChargeback : ChargebackCmdletBase
{
    // Without -Format: the statement for people; FOCUS (a dataset for FinOps tools) is asked for by name.
    private static readonly ChargebackFormat[] DefaultFormats = { ChargebackFormat.Csv, ChargebackFormat.Json, ChargebackFormat.Html };

    [Parameter(Mandatory = true)]
    [Alias("OutputPath", "DestinationPath")]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = string.Empty;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public ChargebackFormat[] Format { get; set; } = DefaultFormats;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task BeginProcessingAsync()
    {
        // -Destination is checked before anything is read: another provider's path is refused as -Path's is.
        await InvokeOnPipelineAsync(() => FileSystemPath.Unresolved(this, Destination)).ConfigureAwait(false);
        await base.BeginProcessingAsync().ConfigureAwait(false);
    }

    protected override bool NeedsBillingAccounts => Format.Contains(ChargebackFormat.Focus);

    protected override async Task EndProcessingAsync()
    {
        // -WhatIf downloads nothing: an S3 export is only listed, for the billing periods that name the files.
        if (IsS3 && HasSource && await IsWhatIfAsync().ConfigureAwait(false))
        {
            await WhatIfFromListingAsync().ConfigureAwait(false);
            return;
        }
        var statement = await BuildStatementAsync().ConfigureAwait(false);
        if (statement is null) return;
        if (NeedsBillingAccounts && FocusReport.RowsWithoutPayer(statement) is > 0 and var unknown)
            EmitWarning($"{unknown} of {statement.Lines.Count} FOCUS row(s) have no payer account from the source " +
                        "(rows piped from Cost Explorer, or a source that does not name it): their BillingAccountId is the usage account.");
        var (folder, targets) = await InvokeOnPipelineAsync(() => Targets(statement)).ConfigureAwait(false);
        foreach (var (file, path) in targets)
        {
            if (!await InvokeOnPipelineAsync(() => ShouldProcess(path, WriteAction(file))).ConfigureAwait(false))
                continue;
            Activity = $"writing '{path}'";
            try
            {
                if (folder is not null && !Directory.Exists(folder)) Directory.CreateDirectory(folder);
                await AtomicFile.WriteAsync(path, (stream, ct) => file.Write(statement, stream, ct), Force, CancelToken).ConfigureAwait(false);
                // Through the provider, so the FileInfo carries PSPath and the file-system table view shows Mode and Length.
                OnPipeline(() => WriteObject(InvokeProvider.Item.Get(new[] { path }, force: false, literalPath: true), enumerateCollection: true));
            }
            catch (BedrockCostException e)
            {
                EmitError(ErrorRecords.From(e));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                EmitError(ErrorRecords.Create(ErrorIds.OutputWriteFailed, ErrorKind.WriteError, $"Cannot write '{path}': {e.Message}", path));
            }
        }
    }

    /// <summary>Says what would be written and read, from the listing of the S3 export: nothing is downloaded.</summary>
    private async Task WhatIfFromListingAsync()
    {
        using var source = await CreateCurSourceAsync(listOnly: true).ConfigureAwait(false);
        Activity = $"listing {source.Description}";
        var query = BuildQuery(Array.Empty<Core.Aggregation.GroupDimension>());
        var data = (await source.Store.ListAsync(Context, CancelToken).ConfigureAwait(false))
            .Select(o => (Object: o, Period: Core.Sources.ExportLayout.DataPeriodOf(o.Key))).Where(x => x.Period is not null).ToList();
        var present = data.Select(x => x.Period!).Distinct().Order(StringComparer.Ordinal).ToList();
        var periods = query.BillingPeriods.Count > 0 ? query.BillingPeriods.ToList()
            : query.StartDate is not null || query.EndDate is not null ? present.Where(query.PeriodOverlapsDates).ToList()
            : present.TakeLast(1).ToList();
        var files = data.Where(x => periods.Contains(x.Period!) && x.Object.Size > 0).ToList();
        EmitVerbose($"-WhatIf: nothing was downloaded. A run would download (unless cached) and read up to {files.Count} data file(s), " +
                    $"{files.Sum(f => f.Object.Size) / 1048576.0:N1} MB, of {source.Description} for billing period(s) {string.Join(", ", periods)}.");
        var (_, targets) = await InvokeOnPipelineAsync(() => Targets(new ChargebackStatement { BillingPeriods = periods })).ConfigureAwait(false);
        foreach (var (file, path) in targets)
            await InvokeOnPipelineAsync(() => ShouldProcess(path, WriteAction(file))).ConfigureAwait(false);
    }

    /// <summary>What -WhatIf and -Confirm say about writing a file: "Write the Csv chargeback statement".</summary>
    private static string WriteAction(ChargebackFile file) => $"Write the {file.Format} chargeback statement";

    /// <summary>
    /// The files to write (see <see cref="ChargebackReport.Targets"/>). A folder (existing, ending in a separator,
    /// or a name without extension) gets bedrock-chargeback-PERIOD files; without -Format a file name's extension
    /// picks the format.
    /// </summary>
    private (string? Folder, IReadOnlyList<(ChargebackFile File, string Path)> Targets) Targets(ChargebackStatement statement)
    {
        var full = FileSystemPath.Unresolved(this, Destination);
        var isFolder = Directory.Exists(full) || Destination.EndsWith('/') || Destination.EndsWith('\\') || System.IO.Path.GetExtension(full).Length == 0;
        var formats = Format.Distinct().ToList();
        if (!isFolder && !MyInvocation.BoundParameters.ContainsKey(nameof(Format)) &&
            ChargebackReport.FormatsOfExtension(System.IO.Path.GetExtension(full)) is { Count: 1 } byExtension)
            formats = byExtension.ToList();
        return (isFolder ? full : null, ChargebackReport.Targets(statement, formats, full, isFolder));
    }
}
