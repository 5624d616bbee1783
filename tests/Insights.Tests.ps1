BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $june = Get-Truth 2026-06
    # Insights forecast usage: billing adjustments (credits, tax, discounts, all dated the 1st of the month) are left out.
    $adjustments = Get-DecimalSum ($june.unattributedReasons | Where-Object reason -In 'credit', 'refund', 'tax', 'fee', 'discount', 'savings plan') unblendedCost
    # The truth's usage cost of June 1 to $LastDay: every Bedrock row but the adjustments, or the given principals' rows.
    function Get-MonthToDate([string]$LastDay, [string]$PrincipalLike) {
        if ($PrincipalLike) { Get-DecimalSum ($june.principals | Where-Object principal -Like $PrincipalLike | ForEach-Object days | Where-Object day -LE $LastDay) unblendedCost }
        else { (Get-DecimalSum ($june.days | Where-Object day -LE $LastDay) unblendedCost) - $adjustments }
    }
}

Describe 'Get-BedrockCostAnomaly' {
    BeforeAll {
        $anomalies = @(Get-BedrockCostAnomaly -Path $SamplePath -Sensitivity High)
    }

    It 'writes typed anomalies of the sample, in date order, as of the last day of the data' {
        $anomalies.Count | Should -BeGreaterThan 0
        $anomalies | ForEach-Object { $_.GetType().FullName | Should -Be 'BedrockCost.Core.Insights.CostAnomaly' }
        $anomalies.Date | Should -Be ($anomalies.Date | Sort-Object)
        $anomalies | ForEach-Object {
            $_.Date | Should -BeGreaterOrEqual ([datetime]'2026-05-31')
            $_.Date | Should -BeLessOrEqual ([datetime]'2026-06-30')
            $_.Deviation | Should -Be ($_.Cost - $_.ExpectedCost)
            $_.Score | Should -BeGreaterOrEqual 4
        }
    }

    It 'finds the provisioned-throughput day and explains it by model' {
        $pt = $anomalies | Where-Object { $_.UnattributedReason -eq 'provisioned throughput' }
        $pt.Date | Should -Be ([datetime]'2026-06-20')
        $pt.Cost | Should -Be ($june.unattributedReasons | Where-Object reason -EQ 'provisioned throughput').unblendedCost
        $pt.Changes[0].Model | Should -Not -BeNullOrEmpty
    }

    It 'feeds Where-Object Score -gt 3, and its Principal drills down in Get-BedrockCostByPrincipal' {
        $spikes = @(Get-BedrockCostAnomaly -Path $SamplePath | Where-Object Score -gt 3)
        $spikes.Count | Should -BeGreaterThan 0
        $attributed = @($spikes | Where-Object Principal -NE '(unattributed)')
        $attributed.Count | Should -BeGreaterThan 0
        (Get-BedrockCostByPrincipal -Path $SamplePath -BillingPeriod 2026-06 -Principal $attributed[0].Principal).Principal | Should -Be $attributed[0].Principal
    }

    It 'limits the days with -Since and -AsOf' {
        $one = @(Get-BedrockCostAnomaly -Path $SamplePath -Since 2026-06-20 -AsOf 2026-06-20)
        $one.Count | Should -Be 1
        $one[0].Date | Should -Be ([datetime]'2026-06-20')
    }

    It 'groups by a tag' {
        $byTeam = @(Get-BedrockCostAnomaly -Path $SamplePath -GroupBy iamPrincipal/team -Sensitivity 3)
        $byTeam.Count | Should -BeGreaterThan 0
        $byTeam | ForEach-Object { $_.GroupBy | Should -Be @('iamPrincipal/team') }
    }

    It 'rejects a bad -Sensitivity with InvalidSensitivity' {
        { Get-BedrockCostAnomaly -Path $SamplePath -Sensitivity extreme -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSensitivity,BedrockCost.Commands.GetBedrockCostAnomaly'
    }

    It 'rejects -GroupBy Day with InvalidGroupBy' {
        { Get-BedrockCostAnomaly -Path $SamplePath -GroupBy Day -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidGroupBy,BedrockCost.Commands.GetBedrockCostAnomaly'
    }

    It 'has a table view' {
        $text = $anomalies | Out-String -Width 200
        $text | Should -Match 'TopChanges'
        $text | Should -Match 'Expected'
    }
}

Describe 'Get-BedrockCostForecast' {
    It 'as of the last day of the data, projects exactly the month to date, which is the truth of each principal' {
        $forecast = @(Get-BedrockCostForecast -Path $SamplePath)
        $forecast.Count | Should -BeGreaterThan 0
        @($forecast | Where-Object UnattributedReason -EQ '').Count | Should -Be $june.principals.Count
        foreach ($f in $forecast | Where-Object UnattributedReason -EQ '') {
            $f.GetType().FullName | Should -Be 'BedrockCost.Core.Insights.CostForecast'
            $f.Month | Should -Be '2026-06'
            $f.DaysRemaining | Should -Be 0
            $f.ProjectedCost | Should -Be $f.MonthToDateCost
            $f.MonthToDateCost | Should -Be ($june.principals | Where-Object principal -EQ $f.Principal).unblendedCost -Because $f.Principal
        }
        Get-DecimalSum $forecast MonthToDateCost | Should -Be (Get-MonthToDate 2026-06-30)
    }

    It 'projects mid-month with a range and flags groups over -Budget' {
        $forecast = @(Get-BedrockCostForecast -Path $SamplePath -AsOf 2026-06-15 -Budget @{ '*:user/alice' = 50; '*' = 100000 })
        $alice = $forecast | Where-Object Principal -EQ 'arn:aws:iam::111122223333:user/alice'
        $alice.DaysElapsed | Should -Be 15
        $alice.MonthToDateCost | Should -Be (Get-MonthToDate 2026-06-15 'arn:aws:iam::111122223333:user/alice')
        $alice.ProjectedCost | Should -BeGreaterThan $alice.MonthToDateCost
        $alice.ProjectedLow | Should -BeLessOrEqual $alice.ProjectedCost
        $alice.ProjectedHigh | Should -BeGreaterOrEqual $alice.ProjectedCost
        $alice.Budget | Should -Be 50
        $alice.ProjectedOverBudget | Should -BeTrue
        @($forecast | Where-Object ProjectedOverBudget).Principal | Should -Contain $alice.Principal
        ($forecast | Where-Object Principal -EQ 'arn:aws:iam::111122223333:user/division/bob').Budget | Should -Be 100000
    }

    It 'forecasts per cost centre of a mapping file against its MonthlyBudget' {
        $mapping = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-mapping-$([guid]::NewGuid()).csv"
        @(
            'Pattern,Match,CostCenter,Owner,MonthlyBudget'
            '*:user/alice,Principal,CC-Platform,ops@example.com,10'
            'BedrockRole,Role,CC-Research,lab@example.com,100000'
        ) | Set-Content -LiteralPath $mapping
        try {
            $forecast = @(Get-BedrockCostForecast -Path $SamplePath -AsOf 2026-06-15 -MappingFile $mapping)
            $forecast.Group | Should -Contain 'CC-Platform'
            $forecast.Group | Should -Contain 'CC-Research'
            $forecast.Group | Should -Contain '(unallocated)'
            $platform = $forecast | Where-Object Group -EQ 'CC-Platform'
            $platform.Budget | Should -Be 10
            $platform.ProjectedOverBudget | Should -BeTrue
            ($forecast | Where-Object Group -EQ 'CC-Research').ProjectedOverBudget | Should -BeFalse
            # The cost centres' month to date is the truth's June 1-15, and CC-Platform's is both alice users'.
            Get-DecimalSum $forecast MonthToDateCost | Should -Be (Get-MonthToDate 2026-06-15)
            $platform.MonthToDateCost | Should -Be (Get-MonthToDate 2026-06-15 '*:user/alice')
            # -Budget entries win over the file's.
            (Get-BedrockCostForecast -Path $SamplePath -AsOf 2026-06-15 -MappingFile $mapping -Budget @{ 'CC-Platform' = 1e6 } |
                Where-Object Group -EQ 'CC-Platform').Budget | Should -Be 1e6
            { Get-BedrockCostForecast -Path $SamplePath -MappingFile $mapping -GroupBy Person -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidGroupBy,BedrockCost.Commands.GetBedrockCostForecast'
        }
        finally { Remove-Item -LiteralPath $mapping -ErrorAction SilentlyContinue }
    }

    It 'forecasts per cost centre of a principal tag' {
        $forecast = @(Get-BedrockCostForecast -Path $SamplePath -AsOf 2026-06-15 -CostCenterTag team)
        $forecast.Group | Should -Contain 'ml'
        $forecast.Group | Should -Contain '(unallocated)'
    }

    It 'rejects a budget that is not an amount with InvalidBudget' {
        { Get-BedrockCostForecast -Path $SamplePath -Budget @{ ml = 'lots' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidBudget,BedrockCost.Commands.GetBedrockCostForecast'
    }

    It 'has a table view' {
        (Get-BedrockCostForecast -Path $SamplePath -AsOf 2026-06-15 | Out-String -Width 200) | Should -Match 'Projected'
    }
}
