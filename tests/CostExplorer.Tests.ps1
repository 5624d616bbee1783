# Cost Explorer as a source and the principal tag cmdlets, against a local Cost Explorer endpoint
# (tests/tools/BedrockCost.FakeCostExplorer) that speaks JSON 1.1, pages, throttles the first
# GetCostAndUsage call and verifies every request's SigV4 signature for service ce in us-east-1.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:AK = 'AKIAFAKECE0000000001'
    $script:SK = 'fake/ce/secret+key0000000000000000000000'
    $script:FakeBuild = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-fakece-$([guid]::NewGuid())"
    function Start-FakeCostExplorer { & (Join-Path $RepoRoot 'tests/tools/Start-FakeCostExplorer.ps1') -BuildPath $script:FakeBuild -PageSize 2 -ThrottleFirst 1 }
    function Stop-FakeCostExplorer($fake) { if ($fake) { $fake.Stop() } }

    # Invoke-RestMethod writes a JSON array as one object: unroll it.
    function Get-FakeRequests($fake) { @(Invoke-RestMethod "$($fake.Url)/__requests" | ForEach-Object { $_ }) }
    # The fake's own records of Bedrock cost in May 2026: the independent truth the results are checked against.
    # Read with exact decimals; served as application/x-amz-json-1.1, so Invoke-WebRequest gives bytes.
    function Get-BedrockMay($fake) {
        $json = [System.Text.Encoding]::UTF8.GetString((Invoke-WebRequest "$($fake.Url)/__records").Content)
        $records = @($json | ConvertFrom-ExactJson | ForEach-Object { $_ })
        if (-not $records.Count) { throw 'The fake Cost Explorer has no records.' }
        @($records | Where-Object { ($_.Service -eq 'Amazon Bedrock' -or $_.Service -like '*(Amazon Bedrock Edition)') -and $_.Day.Substring(0, 7) -eq '2026-05' })
    }
}

AfterAll {
    Remove-Item -LiteralPath $FakeBuild -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-BedrockCostByPrincipal -CostExplorer' {
    BeforeAll {
        $fake = Start-FakeCostExplorer
        $ce = @{ CostExplorer = $true; EndpointUrl = $fake.Url; AccessKey = $AK; SecretKey = $SK }
        $bedrockMay = Get-BedrockMay $fake
    }
    AfterAll { Stop-FakeCostExplorer $fake }

    It 'returns tag-level rows that match the data, with untagged cost, after a throttled first call and several pages' {
        $verbose = $null
        $rows = Get-BedrockCostByPrincipal @ce -BillingPeriod 2026-05 -GroupBy iamPrincipal/team -Verbose 4>&1 |
            Tee-Object -Variable all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $rows[0].PSObject.TypeNames[0] | Should -Be 'BedrockCost.Core.PrincipalCost'
        $expected = $bedrockMay | Group-Object { if ($_.Tags.'iamPrincipal/team') { $_.Tags.'iamPrincipal/team' } else { '(untagged)' } }
        @($rows).Count | Should -Be $expected.Count
        foreach ($g in $expected) {
            $row = $rows | Where-Object TagValue -EQ $g.Name
            $row.UnblendedCost | Should -Be (Get-DecimalSum $g.Group Unblended) -Because $g.Name
            $row.NetUnblendedCost | Should -Be (Get-DecimalSum $g.Group Net) -Because $g.Name
            $row.Source | Should -Be 'CostExplorer'
        }
        $rows.TagValue | Should -Contain '(untagged)'
        $requests = Get-FakeRequests $fake
        $requests | Where-Object Problem | Should -BeNullOrEmpty
        @($requests | Where-Object { $_.Status -eq 400 -and $_.Target -eq 'AWSInsightsIndexService.GetCostAndUsage' }).Count | Should -Be 1
        @($requests | Where-Object { $_.Target -like '*GetCostAndUsage' -and $_.Body -like '*NextPageToken*' }).Count | Should -BeGreaterThan 0
        @($verbose | Where-Object { $_ -like "Cost Explorer: $($requests.Count) billed request(s)*" }).Count | Should -Be 1
        # The reconciliation line states the fake's Bedrock total for May.
        $total = (Get-DecimalSum $bedrockMay Unblended).ToString('0.##########', [cultureinfo]::InvariantCulture)   # the module's exact amounts: 10 places (ExactAmount)
        ($verbose | Where-Object { $_ -like 'Reconciliation*' }) | Should -Match ([regex]::Escape("rows sum to $total, Bedrock total of the data read $total, difference 0"))
    }

    It 'groups by model, account and team by day (three dimensions split into exact requests)' {
        $rows = Get-BedrockCostByPrincipal @ce -BillingPeriod 2026-05 -GroupBy Model, Account, iamPrincipal/team, Day
        Get-DecimalSum $rows | Should -Be (Get-DecimalSum $bedrockMay Unblended)
        $rows.Model | Sort-Object -Unique | Should -Be @('(Amazon Bedrock)', 'Claude Sonnet 4')
        ($rows.Day | Sort-Object -Unique).Count | Should -Be 4
    }

    It 'refuses to group by principal and says why' {
        { Get-BedrockCostByPrincipal @ce -GroupBy Principal -ErrorAction Stop } |
            Should -Throw -ErrorId 'CostExplorerCannotGroupBy,BedrockCost.Commands.GetBedrockCostByPrincipal'
        # The default grouping (Principal) fails the same way, and the message says what to use instead.
        $err = { Get-BedrockCostByPrincipal @ce -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'CostExplorerCannotGroupBy,BedrockCost.Commands.GetBedrockCostByPrincipal'
        $err.Exception.Message | Should -Match 'iamPrincipal/'
        $before = (Get-FakeRequests $fake).Count
        { Get-BedrockCostByPrincipal @ce -GroupBy Person -ErrorAction Stop } | Should -Throw -ErrorId 'CostExplorerCannotGroupBy,*'
        (Get-FakeRequests $fake).Count | Should -Be $before -Because 'the grouping is refused before any billed request'
    }

    It 'maps a bad signature to AwsAccessDenied without showing the secret' {
        $err = $null
        Get-BedrockCostByPrincipal -CostExplorer -EndpointUrl $fake.Url -AccessKey $AK -SecretKey 'wrong-secret-0000000000000000000000000000' -GroupBy Model -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'AwsAccessDenied,BedrockCost.Commands.GetBedrockCostByPrincipal'
        $err[0].ToString() | Should -Not -Match 'wrong-secret'
    }

    # Grouped by what the source can group by: model, day and the tag (no principal, no token type).
    It 'charges back per team tag and model, reconciled to the data' {
        $lines = @(ConvertTo-BedrockChargeback @ce -BillingPeriod 2026-05 -CostCenterTag team)
        Get-DecimalSum $lines | Should -Be (Get-DecimalSum $bedrockMay Unblended)
        foreach ($team in @($bedrockMay | ForEach-Object { $_.Tags.'iamPrincipal/team' } | Where-Object { $_ } | Sort-Object -Unique)) {
            Get-DecimalSum ($lines | Where-Object CostCenter -EQ $team) |
                Should -Be (Get-DecimalSum ($bedrockMay | Where-Object { $_.Tags.'iamPrincipal/team' -eq $team }) Unblended) -Because $team
        }
        $lines.Principal | Where-Object { $_ } | Should -BeNullOrEmpty -Because 'Cost Explorer has no principals'
    }

    It 'forecasts per team without token types' {
        $forecast = @(Get-BedrockCostForecast @ce -GroupBy iamPrincipal/team -StartDate 2026-05-01 -EndDate 2026-05-31)
        $forecast.Count | Should -Be @($bedrockMay | ForEach-Object { if ($_.Tags.'iamPrincipal/team') { $_.Tags.'iamPrincipal/team' } else { '(untagged)' } } | Sort-Object -Unique).Count
        $forecast[0].PSObject.TypeNames[0] | Should -Be 'BedrockCost.Core.Insights.CostForecast'
    }
}

Describe 'Get-BedrockPrincipalTag and Enable-BedrockPrincipalTag' {
    BeforeEach {
        $fake = Start-FakeCostExplorer
        $aws = @{ EndpointUrl = $fake.Url; AccessKey = $AK; SecretKey = $SK }
    }
    AfterEach { Stop-FakeCostExplorer $fake }

    It 'lists only iamPrincipal/ keys over several pages' {
        $tags = Get-BedrockPrincipalTag @aws
        $tags[0].PSObject.TypeNames[0] | Should -Be 'BedrockCost.Core.Sources.PrincipalTag'
        $tags.TagKey | Should -Be @('iamPrincipal/cost-center', 'iamPrincipal/project', 'iamPrincipal/team')
        ($tags | Where-Object TagKey -EQ 'iamPrincipal/team').Status | Should -Be 'Active'
        @(Get-FakeRequests $fake | Where-Object { $_.Body -like '*NextToken*' }).Count | Should -BeGreaterThan 0
        (Get-BedrockPrincipalTag @aws -Status Inactive).TagKey | Should -Be @('iamPrincipal/cost-center', 'iamPrincipal/project')
    }

    It 'sends nothing with -WhatIf' {
        Get-BedrockPrincipalTag @aws -Status Inactive | Enable-BedrockPrincipalTag @aws -WhatIf
        Get-FakeRequests $fake | Where-Object Target -Like '*UpdateCostAllocationTagsStatus' | Should -BeNullOrEmpty
        (Get-BedrockPrincipalTag @aws -Status Inactive).Count | Should -Be 2
    }

    It 'activates keys piped by property name and reports unknown keys per key' {
        $out = Get-BedrockPrincipalTag @aws | Where-Object Status -EQ Inactive | Enable-BedrockPrincipalTag @aws -PassThru
        $out.Status | Sort-Object -Unique | Should -Be 'Active'
        $update = @(Get-FakeRequests $fake | Where-Object Target -EQ 'AWSInsightsIndexService.UpdateCostAllocationTagsStatus')
        $update.Count | Should -Be 1
        ($update[0].Body | ConvertFrom-Json).CostAllocationTagsStatus.TagKey | Should -Be @('iamPrincipal/cost-center', 'iamPrincipal/project')
        (Get-BedrockPrincipalTag @aws -Status Inactive) | Should -BeNullOrEmpty

        $err = $null
        Enable-BedrockPrincipalTag @aws -TagKey nosuchkey -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'CostAllocationTagNotFound,BedrockCost.Commands.EnableBedrockPrincipalTag'
        $err[0].TargetObject | Should -Be 'iamPrincipal/nosuchkey'
    }
}
