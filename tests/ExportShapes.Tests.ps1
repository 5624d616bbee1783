# What real exports hold, through every cmdlet of the built module: a legacy Cost and Usage Report (CUR 1.0, with
# lineItem/UsageType headers) is read with a warning that it carries no principal data; a month without Bedrock
# returns nothing, with a warning and a reconciliation line that says so.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $temp = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-pester-$([guid]::NewGuid())"

    # A legacy CSV report delivery: REPORT/yyyymmdd-yyyymmdd/REPORT-00001.csv, Bedrock on 20 days of April with a
    # spike on the 18th, a Marketplace model, and an EC2 line that is not Bedrock.
    $legacyRoot = Join-Path $temp 'cur'
    $period = Join-Path $legacyRoot 'legacy-report/20260401-20260501'
    $null = New-Item -ItemType Directory -Path $period -Force
    $lines = [System.Collections.Generic.List[string]]::new()
    $lines.Add('identity/LineItemId,bill/BillingEntity,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedCost,pricing/unit,product/ProductName,product/productFamily,product/servicename,product/regionCode,resourceTags/user:team')
    $script:legacyTotal = [decimal]0
    foreach ($day in 1..20) {
        $cost = if ($day -eq 18) { '30' } else { '0.3' }
        $script:legacyTotal += [decimal]$cost
        $lines.Add(('n{0},AWS,2026-04-01T00:00:00Z,111122223333,Usage,2026-04-{0:00}T00:00:00Z,AmazonBedrock,USE1-Nova2.0Lite-input-tokens,1000,USD,{1},1K tokens,Amazon Bedrock,Amazon Bedrock,Amazon Bedrock,us-east-1,ml' -f $day, $cost))
    }
    $lines.Add('m1,AWS Marketplace,2026-04-01T00:00:00Z,111122223333,Usage,2026-04-05T00:00:00Z,7zgyu5r4uonlsrnaq20qq63eo,USE1-MP:USE1_InputTokenCount-Units,0.2,USD,6.0E-1,Units,Claude Opus 4.6 (Amazon Bedrock Edition),,Claude Opus 4.6 (Amazon Bedrock Edition),us-east-1,')
    $script:legacyTotal += [decimal]0.6
    $lines.Add('e1,AWS,2026-04-01T00:00:00Z,111122223333,Usage,2026-04-05T00:00:00Z,AmazonEC2,USE1-BoxUsage:m5.large,24,USD,2.304,Hrs,Amazon Elastic Compute Cloud,Compute Instance,Amazon Elastic Compute Cloud,us-east-1,web')
    $lines | Set-Content -LiteralPath (Join-Path $period 'legacy-report-00001.csv')

    # A CUR 2.0 CSV file of a month with no Bedrock at all.
    $script:ec2 = Join-Path $temp 'ec2-only.csv'
    @(
        'bill_billing_period_start_date,line_item_line_item_type,line_item_usage_start_date,line_item_product_code,line_item_usage_type,line_item_usage_amount,line_item_unblended_cost,line_item_currency_code,line_item_usage_account_id,line_item_iam_principal,pricing_unit'
        '2026-04-01T00:00:00.000Z,Usage,2026-04-02T00:00:00.000Z,AmazonEC2,USE1-BoxUsage:m5.large,24,2.304,USD,111122223333,,Hrs'
        '2026-04-01T00:00:00.000Z,Usage,2026-04-03T00:00:00.000Z,AmazonEC2,USE1-BoxUsage:m5.large,24,2.304,USD,111122223333,,Hrs'
        '2026-04-01T00:00:00.000Z,Usage,2026-04-04T00:00:00.000Z,AmazonS3,USE1-Requests-Tier1,2,1.0E-7,USD,111122223333,,Requests'
    ) | Set-Content -LiteralPath $script:ec2
}

AfterAll {
    Remove-Item -LiteralPath $temp -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Legacy CUR (CUR 1.0) in every cmdlet' {
    It 'Get-BedrockCostByPrincipal reads it, all unattributed, with a warning' {
        $rows = Get-BedrockCostByPrincipal -Path $legacyRoot -GroupBy Model -WarningVariable w -WarningAction SilentlyContinue
        [decimal]($rows | Measure-Object Cost -Sum).Sum | Should -Be $legacyTotal
        $rows.UnattributedReason | Sort-Object -Unique | Should -Be 'no principal data in export'
        $rows.Model | Sort-Object -Unique | Should -Be @('Claude Opus 4.6', 'Nova 2 Lite')
        ($w -join "`n") | Should -Match 'legacy Cost and Usage Report'
        ($w -join "`n") | Should -Match 'no IAM principal data'
    }

    It 'ConvertTo-BedrockChargeback and Export-BedrockChargeback reconcile it' {
        $charge = ConvertTo-BedrockChargeback -Path $legacyRoot -CostCenterTag team -WarningVariable w -WarningAction SilentlyContinue
        [decimal]($charge | Measure-Object Cost -Sum).Sum | Should -Be $legacyTotal
        ($w -join "`n") | Should -Match 'legacy'
        $files = Export-BedrockChargeback -Path $legacyRoot -CostCenterTag team -Format Csv -Destination (Join-Path $temp 'out') -WarningAction SilentlyContinue
        $files.Name | Should -Be 'bedrock-chargeback-2026-04.csv', 'bedrock-chargeback-2026-04-summary.csv'
        $files | ForEach-Object { $_.Length | Should -BeGreaterThan 0 }
    }

    It 'Get-BedrockCostAnomaly and Get-BedrockCostForecast read it' {
        $anomalies = @(Get-BedrockCostAnomaly -Path $legacyRoot -GroupBy Model -WarningVariable wa -WarningAction SilentlyContinue)
        ($anomalies | Where-Object { $_.Date -eq [datetime]'2026-04-18' }).Model | Should -Be 'Nova 2 Lite'
        ($wa -join "`n") | Should -Match 'legacy'
        $forecast = @(Get-BedrockCostForecast -Path $legacyRoot -AsOf 2026-04-20 -GroupBy Model -WarningAction SilentlyContinue)
        $forecast.Model | Should -Contain 'Nova 2 Lite'
    }

    It 'Get-BedrockCostExport describes it as legacy, not as a CUR 2.0 export missing columns' {
        $export = Get-BedrockCostExport -Path $legacyRoot -WarningVariable w -WarningAction SilentlyContinue
        $export.IsLegacy | Should -BeTrue
        $export.ExportName | Should -Be 'legacy-report'
        $export.BillingPeriods | Should -Be '2026-04'
        ($export.Problems -join "`n") | Should -Match 'legacy Cost and Usage Report \(CUR 1\.0\)'
        ($export.Problems -join "`n") | Should -Not -Match 'line_item_iam_principal column'
        ($w -join "`n") | Should -Match 'legacy'
    }
}

Describe 'A month without Bedrock' {
    It 'returns nothing, with a warning and a reconciliation line that says so' {
        $out = Get-BedrockCostByPrincipal -LiteralPath $ec2 -WarningVariable w -WarningAction SilentlyContinue -Verbose 4>&1
        @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) | Should -HaveCount 0
        ($w -join "`n") | Should -Match 'no Bedrock line items in 3 rows of billing period 2026-04'
        $verbose = ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        $verbose | Should -Match 'Reconciliation \(Unblended cost, 2026-04\): no Bedrock cost in the data read \(3 rows\); rows sum to 0\.'
    }

    It 'gives an empty chargeback whose reconciliation line is not empty' {
        $out = ConvertTo-BedrockChargeback -LiteralPath $ec2 -WarningAction SilentlyContinue -Verbose 4>&1
        $verbose = ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        $verbose | Should -Match 'Reconciliation \(2026-04\): no Bedrock cost in the source'
    }
}
