# The shell side of issue 12 against the built module: table views that fit 80 and 120 columns, tab completion
# (TabExpansion2), messages that say what is wrong and what is there, RecommendedAction on error records, AWS.Tools
# habits (-Credential objects and $StoredAWSCredentials / $StoredAWSRegion of AWS.Tools' own SDK copy, checked by a
# local Cost Explorer that verifies every request's SigV4 signature), and parameters checked before credentials.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-shell-$([guid]::NewGuid())"
    $null = New-Item -ItemType Directory -Path $Work
    $script:OldSdk = Join-Path $ToolsPath 'AWSSDK.Core.3.7/AWSSDK.Core.dll'
    $script:FakeBuild = Join-Path $Work 'fakece'

    # The completions PowerShell offers for the end of $Line.
    function script:Complete([string]$Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction Ignore
}

Describe 'Table views' {
    BeforeAll {
        $script:Outputs = [ordered]@{
            PrincipalCost   = @(Get-BedrockCostByPrincipal -Path $SamplePath)
            ModelTokenType  = @(Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Model, TokenType, iamPrincipal/cost-center)
            ChargebackLine  = @(ConvertTo-BedrockChargeback -Path $SamplePath -CostCenterTag team -UnallocatedPolicy Proportional)
            CostForecast    = @(Get-BedrockCostForecast -Path $SamplePath -AsOf 2026-06-15 -Budget @{ '*' = 50 })
            CostAnomaly     = @(Get-BedrockCostAnomaly -Path $SamplePath -MinimumCost 0)
            CostExport      = @(Get-BedrockCostExport -Path $SamplePath 3>$null)
        }
        $script:KeyColumns = @{
            PrincipalCost = 'Group', 'Cost', 'Cur', 'Tokens', 'Per1M'; ModelTokenType = 'Group', 'Cost', 'Cur', 'Tokens', 'Per1M'
            ChargebackLine = 'CostCenter', 'LineType', 'Cost', 'Cur', 'Model', 'Principal'
            CostForecast = 'Month', 'Group', 'ToDate', 'Projected', 'Budget', 'Over'
            CostAnomaly = 'Date', 'Group', 'Cost', 'Expected', 'Score', 'TopChanges'
            CostExport = 'ExportName', 'Mode', 'Format', 'Periods', 'Files', 'Principal', 'TagKeys'
        }
    }

    It 'fits <Width> columns for every type: no header wraps, every key column is there' -ForEach @(@{ Width = 80 }, @{ Width = 120 }) {
        foreach ($name in $Outputs.Keys) {
            $Outputs[$name] | Should -Not -BeNullOrEmpty -Because $name
            $lines = @(($Outputs[$name] | Out-String -Width $Width) -split "`r?`n" | Where-Object { $_.Trim() })
            $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual $Width -Because "$name at $Width`: '$_'" }
            # One header line, then the line of dashes: a wrapped header would put more text before the dashes.
            $lines[1] | Should -Match '^[\s-]+$' -Because "$name header at $Width"
            ($lines[0] -split '\s+' | Where-Object { $_ }) | Should -Be $KeyColumns[$name] -Because "$name at $Width"
        }
    }

    It 'shows money with two decimals while the objects keep full precision' {
        $row = $Outputs.PrincipalCost | Where-Object { $_.Cost -ne [decimal]::Round($_.Cost, 2) } | Select-Object -First 1
        $row | Should -Not -BeNullOrEmpty
        $text = $row | Out-String -Width 80
        $text | Should -Match ([regex]::Escape($row.Cost.ToString('N2', [cultureinfo]::InvariantCulture)))
        $text | Should -Not -Match ([regex]::Escape($row.Cost.ToString([cultureinfo]::InvariantCulture)))
    }

    It 'shortens long principal names in the middle, keeping the account, never the cost' {
        $row = $Outputs.PrincipalCost | Where-Object Principal -Like '*AWSReservedSSO*'
        $line = ($row | Out-String -Width 80) -split "`r?`n" | Where-Object { $_ -match 'carol' }
        $line | Should -Match "^SSO DataScience/carol@\S*$([char]0x2026) \(111122223333\)"
        $line | Should -Match ([regex]::Escape($row.Cost.ToString('N2', [cultureinfo]::InvariantCulture)))
    }
}

Describe 'Tab completion' {
    BeforeAll { $env:BEDROCKCOST_COMPLETION_SECONDS = 600 }   # the data completions, never cut short by a busy machine
    AfterAll { Remove-Item env:BEDROCKCOST_COMPLETION_SECONDS -ErrorAction Ignore }

    It 'completes -BillingPeriod with the periods of the bound -Path, newest first' {
        (Complete "Get-BedrockCostByPrincipal -Path '$SamplePath' -BillingPeriod ").CompletionText | Should -Be '2026-06', '2026-05'
        (Complete "Export-BedrockChargeback -LiteralPath '$SamplePath' -Destination x -BillingPeriod 2026-0").CompletionText | Should -Be '2026-06', '2026-05'
    }

    It 'completes -BillingPeriod with the periods of the bound -S3Uri (a real S3 server)' {
        $s3 = & (Join-Path $RepoRoot 'tests/tools/Start-S3rver.ps1')
        try {
            & dotnet run --project (Join-Path $RepoRoot 'tests/tools/BedrockCost.TestData') -- upload --endpoint $s3.Endpoint --bucket completion --dir $SamplePath --prefix cur/bedrock-cur --create-bucket | Out-Null
            $LASTEXITCODE | Should -Be 0
            $line = "Get-BedrockCostByPrincipal -S3Uri s3://completion/cur/bedrock-cur -EndpointUrl $($s3.Endpoint) -AccessKey S3RVER -SecretKey S3RVER -BillingPeriod "
            (Complete $line).CompletionText | Should -Be '2026-06', '2026-05'
        }
        finally { $s3.Stop() }
    }

    It 'completes -BillingPeriod with recent months without a source, never file names' {
        $matches = Complete 'Get-BedrockCostByPrincipal -BillingPeriod '
        $matches.CompletionText | Should -Contain ([datetime]::UtcNow.ToString('yyyy-MM'))
        $matches.ResultType | Sort-Object -Unique | Should -Be 'ParameterValue'
        $matches | ForEach-Object { $_.CompletionText | Should -Match '^\d{4}-\d{2}$' }
    }

    It 'completes -Model, -Principal and -Account from the data of the bound -Path' {
        (Complete "Get-BedrockCostByPrincipal -Path '$SamplePath' -Model Cl").CompletionText | Should -Contain "'Claude Sonnet 4.6'"
        $principals = Complete "Get-BedrockCostByPrincipal -Path '$SamplePath' -Principal alice"
        $principals.CompletionText | Should -Contain 'arn:aws:iam::111122223333:user/alice'
        $principals.ListItemText | Should -Contain 'user/alice (111122223333)'
        (Complete "Get-BedrockCostByPrincipal -Path '$SamplePath' -Account 4").CompletionText | Should -Be '444455556666'
    }

    It 'offers "*" rather than file names for -<_> without data' -ForEach 'Model', 'Principal', 'Account' {
        $matches = Complete "Get-BedrockCostByPrincipal -$_ "
        $matches.CompletionText | Should -Be '*'
        $matches.ResultType | Should -Be 'ParameterValue'
    }

    It 'completes -Region with AWS region codes' {
        $regions = (Complete 'Get-BedrockCostByPrincipal -CostExplorer -Region eu-').CompletionText
        $regions | Should -Contain 'eu-west-1'
        $regions | ForEach-Object { $_ | Should -BeLike 'eu-*' }
    }

    It 'completes -GroupBy with what the chosen source can group by' {
        $cur = (Complete 'Get-BedrockCostByPrincipal -Path x -GroupBy ').CompletionText
        $cur | Should -Contain 'Principal'
        $cur | Should -Contain 'BillingPeriod'
        $ce = (Complete 'Get-BedrockCostByPrincipal -CostExplorer -GroupBy ').CompletionText
        $ce | Should -Contain 'Model'
        $ce | Should -Contain 'iamPrincipal/team'
        foreach ($d in 'Principal', 'Person', 'TokenType', 'UsageType', 'Region') { $ce | Should -Not -Contain $d }
        (Complete 'Get-BedrockCostAnomaly -Path x -GroupBy ').CompletionText | Should -Not -Contain 'Day'
    }

    It 'completes -ProfileName with the profiles of the shared credentials and config files' {
        $credentials = Join-Path $Work 'credentials'
        Set-Content -LiteralPath $credentials -Value "[default]`naws_access_key_id = A`naws_secret_access_key = S`n[billing]`naws_access_key_id = B`naws_secret_access_key = T"
        Set-Content -LiteralPath (Join-Path $Work 'config') -Value "[profile reports]`nregion = eu-west-1"
        $result = Invoke-ChildPwsh -ArgumentList $ModulePath, $credentials, (Join-Path $Work 'config') -ScriptBlock {
            param($ModulePath, $Credentials, $Config)
            $env:AWS_SHARED_CREDENTIALS_FILE = $Credentials
            $env:AWS_CONFIG_FILE = $Config
            Import-Module $ModulePath
            $line = 'Get-BedrockCostExport -S3Uri s3://b/p -ProfileName '
            ConvertTo-Json -InputObject @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
        }
        $result | Should -Be 'billing', 'default', 'reports'
    }
}

Describe 'Messages that say what is there' {
    It 'answers a malformed -BillingPeriod with the form and an example, not a regular expression' {
        $e = { Get-BedrockCostByPrincipal -Path $SamplePath -BillingPeriod banana } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $e.Exception.Message | Should -Match "'banana' is not a billing period: use YYYY-MM, for example 2026-05"
        $e.Exception.Message | Should -Not -Match '\\d|\^'
    }

    It 'warns when the dates hold no data, naming the periods present' {
        $rows = Get-BedrockCostByPrincipal -Path $SamplePath -StartDate 2027-01-01 -EndDate 2027-01-31 -WarningVariable w 3>$null
        $rows | Should -BeNullOrEmpty
        ($w -join "`n") | Should -Match 'No Bedrock cost from 2027-01-01 to 2027-01-31.*billing period\(s\) 2026-05 and 2026-06'
    }

    It 'warns when a filter matches nothing, naming the nearest values' {
        $null = Get-BedrockCostByPrincipal -Path $SamplePath -Principal '*nobody*' -WarningVariable w 3>$null
        ($w -join "`n") | Should -Match "-Principal '\*nobody\*' matches no principal.*user/division/bob"
        $null = Get-BedrockCostByPrincipal -Path $SamplePath -Tag @{ team = 'mlx' } -WarningVariable w 3>$null
        ($w -join "`n") | Should -Match "-Tag iamPrincipal/team 'mlx' matches no value.*'ml'"
    }

    It 'warns when a tag key appears nowhere, naming the keys present' {
        $rows = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy iamPrincipal/nosuchtag -WarningVariable w 3>$null
        $rows.TagValue | Sort-Object -Unique | Should -Be '(untagged)'
        ($w -join "`n") | Should -Match "tag key 'iamPrincipal/nosuchtag'.*Keys present: iamPrincipal/cost-center, iamPrincipal/team"
        $null = ConvertTo-BedrockChargeback -Path $SamplePath -CostCenterTag teem -WarningVariable w 3>$null
        ($w -join "`n") | Should -Match "tag key 'iamPrincipal/teem'"
    }

    It 'sets RecommendedAction on error records (<Id>)' -ForEach @(
        @{ Id = 'BillingPeriodNotFound'; Run = { Get-BedrockCostByPrincipal -Path $SamplePath -BillingPeriod 2020-01 -ErrorAction Stop } }
        @{ Id = 'OutputFileExists'; Run = { Set-Content (Join-Path $Work 'x.json') 'old'; Export-BedrockChargeback -Path $SamplePath -Destination (Join-Path $Work 'x.json') -ErrorAction Stop } }
        @{ Id = 'PathNotFound'; Run = { Get-BedrockCostByPrincipal -LiteralPath (Join-Path $Work 'nope') -ErrorAction Stop } }
        @{ Id = 'UnallocatedOwnerRequired'; Run = { ConvertTo-BedrockChargeback -Path $SamplePath -UnallocatedPolicy Assign } }
    ) {
        $e = $Run | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $e.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $e.ErrorDetails.Message | Should -Be $e.Exception.Message
    }

    It 'groups calls without a person as a labelled group, never a person named (none)' {
        $people = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Person
        $people.Person | Should -Not -Contain '(none)'
        $people.Person | Should -Contain '(application)'
        # The about topic's "ten most expensive people" example lists people only.
        $about = Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'docs/en-US/about_BedrockCost.help.txt')
        $example = [regex]::Match($about, '(?m)^\s+(Get-BedrockCostByPrincipal -Path \./samples/bedrock-cur -GroupBy Person \|.*)$').Groups[1].Value
        $example | Should -Not -BeNullOrEmpty
        $top = Invoke-Expression ($example -replace '\./samples/bedrock-cur', "'$SamplePath'")
        $top | Should -Not -BeNullOrEmpty
        $top.Person | ForEach-Object { $_ | Should -Not -Match '^\(' }
    }

    It 'sorts Day and Month groupings by date' {
        $days = Get-BedrockCostByPrincipal -Path $SamplePath -GroupBy Day, Model
        $keys = $days.Day | ForEach-Object { $_.ToString('yyyy-MM-dd') }
        $keys | Should -Be ($keys | Sort-Object)
        $months = Get-BedrockCostByPrincipal -Path $SamplePath -BillingPeriod 2026-05, 2026-06 -GroupBy Month
        $months.Month | Should -Be ($months.Month | Sort-Object)
    }
}

Describe 'AWS.Tools habits' {
    BeforeAll {
        if (-not (Test-Path -LiteralPath $OldSdk)) { throw "Run tests/tools/Install-TestPrerequisites.ps1: '$OldSdk' is missing." }
        $script:Fake = & (Join-Path $RepoRoot 'tests/tools/Start-FakeCostExplorer.ps1') -BuildPath $FakeBuild -PageSize 100 -ThrottleFirst 0
        # A fresh pwsh with AWS.Tools' shape: another AWSSDK.Core (3.7) in the default load context, credentials and
        # the session variables as Set-AWSCredential / Set-DefaultAWSRegion leave them, no other credential anywhere.
        function script:Invoke-AwsToolsSession([scriptblock]$Body) {
            $homeDir = Join-Path $Work "home-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
            $null = New-Item -ItemType Directory -Path $homeDir
            Invoke-ChildPwsh -ArgumentList $OldSdk, $ModulePath, $Fake.Url, $Fake.AccessKey, $Fake.SecretKey, $homeDir, $Body.ToString() -ScriptBlock {
                param($OldSdk, $ModulePath, $Url, $AK, $SK, $HomeDir, $Body)
                $ErrorActionPreference = 'Stop'
                $DebugPreference = 'Continue'   # -Debug would ask before each record in a non-interactive session
                foreach ($v in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION') { Remove-Item "env:$v" -ErrorAction Ignore }
                $env:HOME = $HomeDir; $env:USERPROFILE = $HomeDir
                $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $HomeDir 'credentials'; $env:AWS_CONFIG_FILE = Join-Path $HomeDir 'config'
                $env:AWS_EC2_METADATA_DISABLED = 'true'
                Add-Type -Path $OldSdk
                # AWS.Tools' $StoredAWSCredentials holds an AWSPSCredentials: internal Credentials and Name.
                Add-Type -ReferencedAssemblies $OldSdk -IgnoreWarnings -WarningAction Ignore -TypeDefinition @'
public sealed class AWSPSCredentials
{
    private AWSPSCredentials(Amazon.Runtime.AWSCredentials credentials, string name) { Credentials = credentials; Name = name; }
    internal Amazon.Runtime.AWSCredentials Credentials { get; private set; }
    internal string Name { get; private set; }
    public static AWSPSCredentials Make(Amazon.Runtime.AWSCredentials credentials, string name) { return new AWSPSCredentials(credentials, name); }
}
'@
                Import-Module $ModulePath
                & ([scriptblock]::Create($Body))
            }
        }
    }
    AfterAll { if ($Fake) { $Fake.Stop() } }

    It 'takes AWS.Tools credential objects with -Credential (signatures verified by the endpoint)' {
        $result = Invoke-AwsToolsSession {
            $cred = [Amazon.Runtime.BasicAWSCredentials]::new($AK, $SK)
            $rows = @(Get-BedrockCostByPrincipal -CostExplorer -EndpointUrl $Url -Credential $cred -BillingPeriod 2026-05 -GroupBy Model 5>&1)
            ConvertTo-Json -InputObject ([pscustomobject]@{
                Rows = @($rows | Where-Object { $_ -isnot [System.Management.Automation.DebugRecord] }).Count
                Debug = @($rows | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
                CredContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cred.GetType().Assembly).Name
            })
        }
        $result.CredContext | Should -Be 'Default'   # AWS.Tools' SDK copy, not the module's
        $result.Rows | Should -BeGreaterThan 0
        ($result.Debug -join "`n") | Should -Match 'AWS credentials from the -Credential parameter'
        (Invoke-RestMethod "$($Fake.Url)/__requests") | Where-Object Problem | Should -BeNullOrEmpty
    }

    It 'honours $StoredAWSCredentials and $StoredAWSRegion in AWS.Tools'' order' {
        $result = Invoke-AwsToolsSession {
            $StoredAWSCredentials = [AWSPSCredentials]::Make([Amazon.Runtime.BasicAWSCredentials]::new($AK, $SK), 'billing-session')
            $StoredAWSRegion = 'eu-west-1'
            $stored = @(Get-BedrockCostByPrincipal -CostExplorer -EndpointUrl $Url -BillingPeriod 2026-05 -GroupBy Model 5>&1 |
                Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
            # -Region and -Credential come first; a wrong stored key would be refused by the endpoint.
            $StoredAWSCredentials = [AWSPSCredentials]::Make([Amazon.Runtime.BasicAWSCredentials]::new('AKIAWRONG', 'wrong'), 'stale')
            $explicit = @(Get-BedrockCostByPrincipal -CostExplorer -EndpointUrl $Url -BillingPeriod 2026-05 -GroupBy Model -Region ap-south-1 `
                    -Credential ([Amazon.Runtime.BasicAWSCredentials]::new($AK, $SK)) 5>&1 |
                Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
            $refused = try { $null = Get-BedrockCostByPrincipal -CostExplorer -EndpointUrl $Url -BillingPeriod 2026-05 -GroupBy Model 5>$null; 'accepted' } catch { $_.FullyQualifiedErrorId }
            ConvertTo-Json -InputObject ([pscustomobject]@{ Stored = $stored -join "`n"; Explicit = $explicit -join "`n"; Refused = $refused })
        }
        $result.Stored | Should -Match 'AWS credentials from \$StoredAWSCredentials \(billing-session\); region eu-west-1 from \$StoredAWSRegion'
        $result.Explicit | Should -Match 'AWS credentials from the -Credential parameter; region ap-south-1 from the -Region parameter'
        $result.Refused | Should -Not -Be 'accepted'
    }

    It 'checks the parameters against the source before looking for credentials' {
        $result = Invoke-AwsToolsSession {
            $ids = foreach ($run in { Get-BedrockCostByPrincipal -CostExplorer -GroupBy Principal }, { Get-BedrockCostByPrincipal -CostExplorer -GroupBy Model -Principal '*alice*' },
                { ConvertTo-BedrockChargeback -CostExplorer -Principal '*alice*' }) {
                try { & $run | Out-Null; 'no error' } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
            }
            $none = try { Get-BedrockCostByPrincipal -CostExplorer -GroupBy Model | Out-Null; 'no error' } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
            ConvertTo-Json -InputObject ([pscustomobject]@{ Ids = @($ids); NoCredentials = $none })
        }
        $result.Ids | Should -Be 'CostExplorerCannotGroupBy', 'CostExplorerCannotFilterBy', 'CostExplorerCannotFilterBy'
        $result.NoCredentials | Should -Be 'AwsCredentialsNotFound'   # the same session really has no credentials
    }
}
