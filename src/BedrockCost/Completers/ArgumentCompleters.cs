using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using BedrockCost.Core.Aggregation;

namespace BedrockCost.Completers;

/// <summary>Completes a parameter with a fixed list of words, those starting with what was typed.</summary>
public abstract class WordCompleter : IArgumentCompleter
{
    protected abstract IEnumerable<string> Words { get; }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Words.Where(n => n.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n));
}

/// <summary>Completes -GroupBy with the dimension names and common principal tag keys.</summary>
public sealed class GroupByCompleter : WordCompleter
{
    protected override IEnumerable<string> Words =>
        Enum.GetNames(typeof(Dimension)).Where(n => n != nameof(Dimension.Tag)).Concat(new[] { "iamPrincipal/team", "iamPrincipal/cost-center" });
}

/// <summary>Completes -CostCenterTag with common principal tag keys.</summary>
public sealed class CostCenterTagCompleter : WordCompleter
{
    protected override IEnumerable<string> Words => new[] { "iamPrincipal/cost-center", "iamPrincipal/team", "iamPrincipal/project" };
}

/// <summary>Completes -Sensitivity.</summary>
public sealed class SensitivityCompleter : WordCompleter
{
    protected override IEnumerable<string> Words => new[] { "Low", "Medium", "High" };
}
