# The mutations Invoke-Mutations.ps1 applies, one at a time: each a deliberate bug in src/ as a patch of this folder.
# Pester: the Pester files run for it, besides every xunit test (default: the ones that check figures and reports).
@{
    Mutations = @(
        @{ Name = '01-ignore-cost-basis'; Description = 'Ignore -CostBasis: Cost is always the unblended cost' }
        @{ Name = '02-drop-marketplace-rule'; Description = 'Drop the Marketplace rule: "(Amazon Bedrock Edition)" rows are not Bedrock' }
        @{ Name = '03-drop-unattributed-rows'; Description = 'Drop unattributed rows (from the rows and from the totals, so the reconciliation still says 0)' }
        @{ Name = '04-merge-same-name-principals'; Description = 'Merge principals with the same name in different accounts (user/alice in two accounts)' }
        @{ Name = '05-skip-last-row-group'; Description = 'Skip the last row group of every Parquet file' }
        @{ Name = '06-count-a-row-twice'; Description = 'Count a row twice (the last Bedrock row of each window the decoder reads)' }
        @{ Name = '07-fifteen-digit-money'; Description = 'Convert each double to decimal with 15 significant digits (a cast) instead of all of them' }
        @{ Name = '08-money-summed-in-double'; Description = 'Sum the groups'' money in double instead of decimal' }
        @{ Name = '09-drop-cache-read-tokens'; Description = 'Drop cache-read tokens' }
        @{ Name = '10-drop-a-tag-value'; Description = 'Drop a tag value: the first entry of every map (tags, and the product map) is lost' }
        @{ Name = '11-agentcore-counted-as-bedrock'; Description = 'Count AgentCore rows as Bedrock' }
        @{ Name = '12-proportional-split-evenly'; Description = 'Proportional policy splits evenly instead of by direct cost' }
        @{ Name = '13-cancelled-report-kept'; Description = 'A cancelled report write keeps its file (renamed into place) instead of deleting it'; Pester = 'Cancellation' }
        @{ Name = '14-html-text-unescaped'; Description = 'HTML text written without encoding'; Pester = 'Chargeback' }
        @{ Name = '15-csv-formulas-kept'; Description = 'CSV cells that start a formula are not neutralised'; Pester = 'Chargeback' }
        @{ Name = '16-stop-ignored-by-the-read'; Description = 'Ctrl+C does not reach the file reads (they run on an uncancellable token)'; Pester = 'Cancellation' }
    )
    DefaultPester = @('CostByPrincipal', 'Chargeback', 'Insights', 'Cancellation')
}
