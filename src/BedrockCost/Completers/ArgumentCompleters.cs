using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.Athena;
using BedrockCost.Core.Sources.CostExplorer;

namespace BedrockCost.Completers;

/// <summary>
/// Completes a parameter with words, those starting with what was typed. A completer that has nothing to offer
/// still answers (the word as typed, or "*"): an empty answer would make PowerShell offer file names.
/// </summary>
public abstract class WordCompleter : IArgumentCompleter
{
    /// <summary>The words to offer; <paramref name="bound"/> holds the parameters given so far.</summary>
    protected abstract IEnumerable<string> Words(string commandName, IDictionary bound);

    /// <summary>Whether a word is offered for what was typed; prefixes by default.</summary>
    protected virtual bool Offers(string word, string typed) => word.StartsWith(typed, StringComparison.OrdinalIgnoreCase);

    /// <summary>The list text and tooltip of a word.</summary>
    protected virtual (string ListItem, string ToolTip) Describe(string word) => (word, word);

    /// <summary>Shown when there is no word to offer.</summary>
    protected virtual string NothingToOffer => "no values to offer";

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
        List<string> words;
        try { words = Words(commandName, fakeBoundParameters).Where(w => Offers(w, typed)).Distinct(StringComparer.OrdinalIgnoreCase).ToList(); }
        catch (Exception e) when (e is not OutOfMemoryException) { words = new List<string>(); } // completion never fails the prompt
        if (words.Count == 0)
            return new[] { new CompletionResult(typed.Length == 0 ? "*" : Quote(typed), $"({NothingToOffer})", CompletionResultType.ParameterValue, NothingToOffer) };
        return words.Select(w => { var (item, tip) = Describe(w); return new CompletionResult(Quote(w), item, CompletionResultType.ParameterValue, tip); });
    }

    /// <summary>The word as PowerShell reads it back: quoted when it has characters an argument cannot hold bare.</summary>
    internal static string Quote(string word) =>
        word.Length > 0 && !word.Any(c => char.IsWhiteSpace(c) || "`$&(){};,|<>#'\"@".Contains(c)) ? word : $"'{word.Replace("'", "''")}'";
}

/// <summary>
/// Completes -GroupBy with what the chosen source can group by (its capabilities: Cost Explorer has no principal,
/// token type, usage type or region; Athena and files have all) and common principal tag keys; insights leave out the time dimensions.
/// </summary>
public sealed class GroupByCompleter : WordCompleter
{
    protected override IEnumerable<string> Words(string commandName, IDictionary bound)
    {
        var capabilities = bound.Contains("CostExplorer") ? CostExplorerSource.Supports
            : bound.Contains("Athena") ? AthenaSource.AthenaCapabilities : SourceCapabilities.CurFiles;
        var insight = commandName.EndsWith("CostAnomaly", StringComparison.OrdinalIgnoreCase) || commandName.EndsWith("CostForecast", StringComparison.OrdinalIgnoreCase);
        return Enum.GetValues<Dimension>()
            .Where(d => d != Dimension.Tag && capabilities.CanGroupBy(d) && !(insight && d is Dimension.Day or Dimension.Month or Dimension.BillingPeriod))
            .Select(d => d.ToString())
            .Concat(capabilities.CanGroupBy(Dimension.Tag) ? new[] { "iamPrincipal/team", "iamPrincipal/cost-center" } : Array.Empty<string>());
    }
}

/// <summary>Completes -CostCenterTag with common principal tag keys.</summary>
public sealed class CostCenterTagCompleter : WordCompleter
{
    protected override IEnumerable<string> Words(string commandName, IDictionary bound) =>
        new[] { "iamPrincipal/cost-center", "iamPrincipal/team", "iamPrincipal/project" };
}

/// <summary>Completes -Sensitivity.</summary>
public sealed class SensitivityCompleter : WordCompleter
{
    protected override IEnumerable<string> Words(string commandName, IDictionary bound) => new[] { "Low", "Medium", "High" };
}

/// <summary>Completes -Region with the AWS region codes the SDK knows.</summary>
public sealed class RegionCompleter : WordCompleter
{
    protected override IEnumerable<string> Words(string commandName, IDictionary bound) => AwsCredentialResolver.RegionNames();
}

/// <summary>Completes -ProfileName with the profiles of the shared credentials and config files (or -ProfilesLocation).</summary>
public sealed class ProfileNameCompleter : WordCompleter
{
    protected override IEnumerable<string> Words(string commandName, IDictionary bound) =>
        AwsCredentialResolver.ProfileNames(BoundSource.Text(bound, "ProfilesLocation") is { } location ? BoundSource.ResolvePath(location, literal: true).FirstOrDefault() : null);

    protected override string NothingToOffer => "no AWS profile in the shared credentials or config files";
}

/// <summary>Completes -BillingPeriod with the periods of the bound -Path or -S3Uri, else the recent months.</summary>
public sealed class BillingPeriodCompleter : WordCompleter
{
    protected override IEnumerable<string> Words(string commandName, IDictionary bound)
    {
        var periods = BoundSource.Run(bound, (source, ct) => source.BillingPeriodsAsync(Core.NullOperationContext.Instance, ct));
        return periods is { Count: > 0 } ? periods.Reverse() : SourceCatalog.RecentMonths(DateTime.UtcNow);
    }
}

/// <summary>Completes a filter (-Model, -Principal, -Account) from a sample of the bound local data; "*" without it.</summary>
public abstract class DataValueCompleter : WordCompleter
{
    protected abstract Dimension Dimension { get; }

    protected override IEnumerable<string> Words(string commandName, IDictionary bound)
    {
        if (!BoundSource.IsLocal(bound)) return Array.Empty<string>();
        var periods = BoundSource.Texts(bound, "BillingPeriod").Where(CostQuery.IsPeriod).ToList();
        return BoundSource.Run(bound, (source, ct) => SourceCatalog.ValuesAsync(source, Dimension, periods, ct)) ?? Array.Empty<string>();
    }

    protected override string NothingToOffer => $"give -Path first to complete {Dimension.ToString().ToLowerInvariant()}s from the data";
}

public sealed class ModelCompleter : DataValueCompleter
{
    protected override Dimension Dimension => Dimension.Model;
}

public sealed class AccountCompleter : DataValueCompleter
{
    protected override Dimension Dimension => Dimension.Account;
}

/// <summary>Completes -Principal with the principal ARNs of the data: a typed name matches anywhere in the ARN.</summary>
public sealed class PrincipalCompleter : DataValueCompleter
{
    protected override Dimension Dimension => Dimension.Principal;
    protected override bool Offers(string word, string typed) => word.Contains(typed.Trim('*'), StringComparison.OrdinalIgnoreCase);
    protected override (string ListItem, string ToolTip) Describe(string word) => (Core.Classification.PrincipalParser.ShortName(word) ?? word, word);
}

/// <summary>The source the parameters bound so far name (-Path, -LiteralPath, -S3Uri), for completers.</summary>
internal static class BoundSource
{
    /// <summary>
    /// How long a completion may read: enough for a listing and a sample, short enough for a prompt (10 s, or
    /// $env:BEDROCKCOST_COMPLETION_SECONDS for a slow network); past it, the completion offers what it offers without data.
    /// </summary>
    private static TimeSpan Budget =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("BEDROCKCOST_COMPLETION_SECONDS"), out var s) && s > 0 ? s : 10);

    public static string? Text(IDictionary bound, string name) => Texts(bound, name).FirstOrDefault();

    public static IReadOnlyList<string> Texts(IDictionary bound, string name)
    {
        if (!bound.Contains(name)) return Array.Empty<string>();
        var value = bound[name] is PSObject pso ? pso.BaseObject : bound[name];
        return value switch
        {
            string s => new[] { s },
            IEnumerable e => e.Cast<object?>().Select(o => (o is PSObject p ? p.BaseObject : o)?.ToString()).OfType<string>().ToList(),
            null => Array.Empty<string>(),
            _ => new[] { value.ToString()! },
        };
    }

    public static bool IsLocal(IDictionary bound) => bound.Contains("Path") || bound.Contains("LiteralPath");

    /// <summary>File-system paths of a path as PowerShell resolves it in the current location (a nested pipeline on this thread).</summary>
    public static IReadOnlyList<string> ResolvePath(string path, bool literal)
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddCommand("Microsoft.PowerShell.Management\\Resolve-Path").AddParameter(literal ? "LiteralPath" : "Path", path).AddParameter("ErrorAction", "Ignore");
        return ps.Invoke().Select(o => o.Properties["ProviderPath"]?.Value as string).OfType<string>().ToList();
    }

    /// <summary>
    /// Runs <paramref name="read"/> on the bound source within the time budget; null when there is none, it fails or
    /// it takes too long. Paths resolve here, on the pipeline thread; credentials, listing and reading run off it.
    /// </summary>
    public static T? Run<T>(IDictionary bound, Func<CurSource, CancellationToken, Task<T>> read) where T : class
    {
        var local = Texts(bound, "Path").SelectMany(p => ResolvePath(p, literal: false))
            .Concat(Texts(bound, "LiteralPath").SelectMany(p => ResolvePath(p, literal: true))).Distinct(StringComparer.Ordinal).ToList();
        var uri = Text(bound, "S3Uri");
        if (local.Count == 0 && uri is null) return null;
        var budget = Budget;
        var cts = new CancellationTokenSource(budget);
        var task = Task.Run(async () =>
        {
            using var source = local.Count > 0 ? CurSource.Local(local) : OpenS3(bound, uri!);
            return await read(source, cts.Token).ConfigureAwait(false);
        }, cts.Token);
        task.ContinueWith(_ => cts.Dispose(), TaskScheduler.Default);
        try { return task.Wait(budget) ? task.Result : null; }
        catch (AggregateException) { return null; }
    }

    /// <summary>The S3 export with the credentials the parameters name (as far as they are given), never the download cache.</summary>
    private static CurSource OpenS3(IDictionary bound, string uri)
    {
        var connection = AwsCredentialResolver.Resolve(new AwsOptions(Text(bound, "ProfileName"), Text(bound, "ProfilesLocation"), Text(bound, "Region"),
            Text(bound, "AccessKey"), Text(bound, "SecretKey"), Text(bound, "SessionToken"), Text(bound, "EndpointUrl")));
        return new CurSource(new Core.Sources.S3.S3CachedStore(Core.Sources.S3.S3Location.Parse(uri), connection, cache: null));
    }
}
