namespace BedrockCost.Core.Classification;

/// <summary>
/// AWS billing region prefixes of usage types (USE1 = us-east-1...). The codes are those of the AWS Price
/// List <c>usagetype</c> attribute and of CUR usage types, as tabulated by public pricing tools that read
/// them (GovCloud UGW1/UGE1, China CNN1/CNW1, ap-east-2 APE2, ap-southeast-6/7 APS8/APS9); eu-west-1 is
/// "EU" in AWS's own tables, and EUW1 appears on Bedrock bills too. CPT1 is an older Cape Town spelling.
/// </summary>
public static class RegionCodes
{
    private static readonly Dictionary<string, string> Map = new(StringComparer.OrdinalIgnoreCase)
    {
        ["USE1"] = "us-east-1", ["USE2"] = "us-east-2", ["USW1"] = "us-west-1", ["USW2"] = "us-west-2",
        ["UGW1"] = "us-gov-west-1", ["UGE1"] = "us-gov-east-1",
        ["CAN1"] = "ca-central-1", ["CAN2"] = "ca-west-1", ["MXC1"] = "mx-central-1", ["SAE1"] = "sa-east-1",
        ["EU"] = "eu-west-1", ["EUW1"] = "eu-west-1", ["EUW2"] = "eu-west-2", ["EUW3"] = "eu-west-3",
        ["EUC1"] = "eu-central-1", ["EUC2"] = "eu-central-2", ["EUN1"] = "eu-north-1", ["EUS1"] = "eu-south-1",
        ["EUS2"] = "eu-south-2",
        ["APE1"] = "ap-east-1", ["APE2"] = "ap-east-2",
        ["APN1"] = "ap-northeast-1", ["APN2"] = "ap-northeast-2", ["APN3"] = "ap-northeast-3",
        ["APS1"] = "ap-southeast-1", ["APS2"] = "ap-southeast-2", ["APS3"] = "ap-south-1", ["APS4"] = "ap-southeast-3",
        ["APS5"] = "ap-south-2", ["APS6"] = "ap-southeast-4", ["APS7"] = "ap-southeast-5", ["APS8"] = "ap-southeast-6",
        ["APS9"] = "ap-southeast-7",
        ["MES1"] = "me-south-1", ["MEC1"] = "me-central-1", ["ILC1"] = "il-central-1",
        ["AFS1"] = "af-south-1", ["CPT1"] = "af-south-1",
        ["CNN1"] = "cn-north-1", ["CNW1"] = "cn-northwest-1",
        ["GLOBAL"] = "global",
    };

    public static bool IsKnown(string code) => Map.ContainsKey(code);

    public static bool IsRegionCode(string code)
    {
        if (Map.ContainsKey(code)) return true;
        // A future code still has the shape: 2-4 capitals and a digit.
        return code.Length is >= 3 and <= 5 && char.IsDigit(code[^1]) && code[..^1].All(char.IsAsciiLetterUpper);
    }

    public static string ToRegion(string code) => Map.TryGetValue(code, out var r) ? r : code.ToUpperInvariant();
}
