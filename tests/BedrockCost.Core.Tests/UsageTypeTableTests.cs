using System.Globalization;
using BedrockCost.Core.Classification;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// Usage types in the shapes AWS bills them, each with what the classifier must read from it. One line per
/// usage type: usage type | pricing_unit | region | model | direction | modality | tier | cache TTL |
/// category | tokens per unit | endpoint ("-" = none). Where each group of shapes comes from is said above it.
/// </summary>
public class UsageTypeTableTests
{
    private const string Table = """
        # AWS Bedrock user guide, "Understanding your Amazon Bedrock Cost and Usage Report data"
        # (docs.aws.amazon.com/bedrock/latest/userguide/cost-mgmt-understanding-cur-data.html), usage type examples.
        USE1-openai.gpt-oss-120b-mantle-input-tokens-standard | 1K tokens | us-east-1 | GPT OSS 120B | Input | - | standard | - | Tokens | 1000 | mantle
        USE1-gpt-oss-120b-output-tokens-priority | 1K tokens | us-east-1 | GPT OSS 120B | Output | - | priority | - | Tokens | 1000 | runtime
        USE1-Nova2.0Lite-input-tokens-flex | 1K tokens | us-east-1 | Nova 2 Lite | Input | - | flex | - | Tokens | 1000 | runtime
        USE1-Claude4.6Sonnet-input-tokens | 1K tokens | us-east-1 | Claude Sonnet 4.6 | Input | - | standard | - | Tokens | 1000 | runtime
        USE1-Claude4.6Sonnet-cache-read-input-token-count | 1K tokens | us-east-1 | Claude Sonnet 4.6 | CacheRead | - | standard | - | Tokens | 1000 | runtime
        USE1-Claude4.6Sonnet-output-tokens-cross-region-global | 1K tokens | us-east-1 | Claude Sonnet 4.6 | Output | - | cross-region-global | - | Tokens | 1000 | runtime

        # shared/reference/cur2-bedrock.md section 4 (the project's reference; first-party and Marketplace examples).
        USE1-Claude4.6Opus-output-tokens | 1K tokens | us-east-1 | Claude Opus 4.6 | Output | - | standard | - | Tokens | 1000 | runtime
        USE1-Claude4.6Sonnet-cache-write-input-token-count | 1K tokens | us-east-1 | Claude Sonnet 4.6 | CacheWrite | - | standard | - | Tokens | 1000 | runtime
        USE1-MP:USE1_input_tokens_standard-Units | Units | us-east-1 | - | Input | - | standard | - | Tokens | 1000000 | -
        USE1-MP:USE1_output_tokens_standard-Units | Units | us-east-1 | - | Output | - | standard | - | Tokens | 1000000 | -
        USE1-MP:USE1_input_tokens_global_standard-Units | Units | us-east-1 | - | Input | - | cross-region-global | - | Tokens | 1000000 | -
        USE1-MP:USE1_InputTokenCount-Units | Units | us-east-1 | - | Input | - | standard | - | Tokens | 1000000 | -

        # Issue 11: shapes from AWS documentation and published bills that older versions read without model or direction.
        USE1-anthropic.claude-opus-5-mantle-cache-read-tokens-global-standard | 1K tokens | us-east-1 | Claude Opus 5 | CacheRead | - | cross-region-global | - | Tokens | 1000 | mantle
        USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-global-standard | 1K tokens | us-west-2 | Claude Opus 4.8 | CacheWrite | - | cross-region-global | - | Tokens | 1000 | mantle
        USE1-xai.grok-4.3-mantle-cache-read-tokens-flex | 1K tokens | us-east-1 | Grok 4.3 | CacheRead | - | flex | - | Tokens | 1000 | mantle
        UGW1-openai.gpt-5.6-terra-mantle-cache-write-tokens-30m-standard | 1M tokens | us-gov-west-1 | GPT 5.6 Terra | CacheWrite | - | standard | 30m | Tokens | 1000000 | mantle
        EUW1-claude-sonnet-4-cache-write-tokens | 1K tokens | eu-west-1 | Claude Sonnet 4 | CacheWrite | - | standard | - | Tokens | 1000 | runtime
        USE1-Nova2.0Pro-input-image-token-count | 1K tokens | us-east-1 | Nova 2 Pro | Input | image | standard | - | Tokens | 1000 | runtime
        USE1-Nova2.0Lite-nova-grounding | Requests | us-east-1 | Nova 2 Lite | None | - | standard | - | Grounding | - | -
        USE2_InputTokenCount_Global-Units | Units | us-east-2 | - | Input | - | cross-region-global | - | Tokens | 1000000 | -
        USE2_CacheWriteInputTokenCount | Units | us-east-2 | - | CacheWrite | - | standard | - | Tokens | 1000000 | -
        USE1-Claude4Sonnet-cache-write-input-token-count-1-hour | 1K tokens | us-east-1 | Claude Sonnet 4 | CacheWrite | - | standard | 1h | Tokens | 1000 | runtime
        USE1-Claude4.5Haiku-batch-input-tokens | 1K tokens | us-east-1 | Claude Haiku 4.5 | Input | - | batch | - | Tokens | 1000 | runtime
        USE1-Llama4-Maverick-17B-input-tokens | 1K tokens | us-east-1 | Llama 4 Maverick 17B | Input | - | standard | - | Tokens | 1000 | runtime

        # AWS Price List API, offer AmazonBedrockFoundationModels (Marketplace models), usagetype attribute values as
        # recorded by public pricing tools: CamelCase and snake_case dimensions, TTL, batch, long context, reserved.
        USE1-MP:USE1_OutputTokenCount-Units | Units | us-east-1 | - | Output | - | standard | - | Tokens | 1000000 | -
        USE1-MP:USE1_OutputTokenCount_Global-Units | Units | us-east-1 | - | Output | - | cross-region-global | - | Tokens | 1000000 | -
        USE1-MP:USE1_InputTokenCount_Batch-Units | Units | us-east-1 | - | Input | - | batch | - | Tokens | 1000000 | -
        USE1-MP:USE1_InputTokenCount_Global_Batch-Units | Units | us-east-1 | - | Input | - | batch, cross-region-global | - | Tokens | 1000000 | -
        USW2-MP:USW2_InputTokenCount_LatencyOptimized-Units | Units | us-west-2 | - | Input | - | latency-optimized | - | Tokens | 1000000 | -
        USE1-MP:USE1_CacheReadInputTokenCount-Units | Units | us-east-1 | - | CacheRead | - | standard | - | Tokens | 1000000 | -
        USE1-MP:USE1_CacheReadInputTokenCount_Global-Units | Units | us-east-1 | - | CacheRead | - | cross-region-global | - | Tokens | 1000000 | -
        USE1-MP:USE1_CacheWriteInputTokenCount-Units | Units | us-east-1 | - | CacheWrite | - | standard | - | Tokens | 1000000 | -
        USE1-MP:USE1_CacheWrite1hInputTokenCount-Units | Units | us-east-1 | - | CacheWrite | - | standard | 1h | Tokens | 1000000 | -
        USW2-MP:USW2_CacheWrite1hInputTokenCount_Global-Units | Units | us-west-2 | - | CacheWrite | - | cross-region-global | 1h | Tokens | 1000000 | -
        USE1-MP:USE1_cache_write_tokens_1h_global_standard-Units | Units | us-east-1 | - | CacheWrite | - | cross-region-global | 1h | Tokens | 1000000 | -
        USW2-MP:USW2_cache_write_tokens_standard-Units | Units | us-west-2 | - | CacheWrite | - | standard | - | Tokens | 1000000 | -
        USE1-MP:USE1_cache_read_tokens_global_standard-Units | Units | us-east-1 | - | CacheRead | - | cross-region-global | - | Tokens | 1000000 | -
        USW2-MP:USW2_cache_write_tokens_30m_standard-Units | Units | us-west-2 | - | CacheWrite | - | standard | 30m | Tokens | 1000000 | -
        USW2-MP:USW2_input_tokens_long_ctx_standard-Units | Units | us-west-2 | - | Input | - | long-context | - | Tokens | 1000000 | -
        USW2-MP:USW2_output_tokens_long_ctx_standard-Units | Units | us-west-2 | - | Output | - | long-context | - | Tokens | 1000000 | -
        APN1-MP:APN1_input_tokens_priority-Units | Units | ap-northeast-1 | - | Input | - | priority | - | Tokens | 1000000 | -
        APN1-MP:APN1_InputTokenCount-Units | Units | ap-northeast-1 | - | Input | - | standard | - | Tokens | 1000000 | -
        APN1-MP:APN1_MillionBatchInputTokens-Units | Units | ap-northeast-1 | - | Input | - | batch | - | Tokens | 1000000 | -
        USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units | 1M TPM Hour | us-east-1 | - | None | - | reserved, cross-region-geo, 1-month | - | ReservedCapacity | - | -
        USE1-MP:USE1_Reserved_3Month_OutputTPM_Global-Units | 1M TPM Hour | us-east-1 | - | None | - | reserved, cross-region-global, 3-month | - | ReservedCapacity | - | -
        USE1-MP:USE1_ProvisionedThroughput_NoCommit_ModelUnits_Usage-Units | Units | us-east-1 | - | None | - | no-commitment | - | ProvisionedThroughput | - | -
        USE1-MP:USE1_ProvisionedThroughput_1MonthCommit_ModelUnits_Usage-Units | Units | us-east-1 | - | None | - | 1-month | - | ProvisionedThroughput | - | -
        USE1-MP:USE1_search_units-Units | Units | us-east-1 | - | None | - | standard | - | Rerank | - | -
        USE1-MP:USE1_created_image-Units | Units | us-east-1 | - | None | - | standard | - | ImageGeneration | - | -
        USE1-MP:USE1_CreatedImage-Units | Units | us-east-1 | - | None | - | standard | - | ImageGeneration | - | -
        USE1-MP:USE1_InputImageCount-Units | Units | us-east-1 | - | None | image | standard | - | MediaInput | - | -

        # AWS Price List API, offer AmazonBedrock (first-party and open-weight models), usagetype values as recorded by
        # public pricing tools and cost estimates (Nova, Llama, Mistral, DeepSeek, gpt-oss, Gemma, Titan, Claude 2/3).
        USE1-NovaMicro-input-tokens | 1K tokens | us-east-1 | Nova Micro | Input | - | standard | - | Tokens | 1000 | runtime
        USE2-NovaMicro-output-tokens | 1K tokens | us-east-2 | Nova Micro | Output | - | standard | - | Tokens | 1000 | runtime
        USE1-NovaPro-input-tokens-priority | 1K tokens | us-east-1 | Nova Pro | Input | - | priority | - | Tokens | 1000 | runtime
        USE1-NovaPro-output-tokens-flex | 1K tokens | us-east-1 | Nova Pro | Output | - | flex | - | Tokens | 1000 | runtime
        USE1-NovaPro-cache-read-input-token-count | 1K tokens | us-east-1 | Nova Pro | CacheRead | - | standard | - | Tokens | 1000 | runtime
        APN1-Nova2.0Lite-output-tokens | 1K tokens | ap-northeast-1 | Nova 2 Lite | Output | - | standard | - | Tokens | 1000 | runtime
        USE1-Nova2.0Lite-input-tokens-cross-region-global-batch | 1K tokens | us-east-1 | Nova 2 Lite | Input | - | batch, cross-region-global | - | Tokens | 1000 | runtime
        USE1-Nova2.0Pro-text-input-tokens-priority-cross-region-global | 1K tokens | us-east-1 | Nova 2 Pro | Input | text | priority, cross-region-global | - | Tokens | 1000 | runtime
        USE1-Nova2.0Pro-input-image-token-count-cross-region-global | 1K tokens | us-east-1 | Nova 2 Pro | Input | image | cross-region-global | - | Tokens | 1000 | runtime
        USE1-NovaSonic-speech-input-tokens | 1K tokens | us-east-1 | Nova Sonic | Input | audio | standard | - | Tokens | 1000 | runtime
        USE1-NovaSonic-text-input-tokens | 1K tokens | us-east-1 | Nova Sonic | Input | text | standard | - | Tokens | 1000 | runtime
        USE1-deepseek.v3.2-input-tokens | 1K tokens | us-east-1 | DeepSeek V3.2 | Input | - | standard | - | Tokens | 1000 | runtime
        USE1-DeepSeek-V3.1-output-tokens | 1K tokens | us-east-1 | DeepSeek V3.1 | Output | - | standard | - | Tokens | 1000 | runtime
        USE1-DeepSeek-R1-output-tokens | 1K tokens | us-east-1 | DeepSeek R1 | Output | - | standard | - | Tokens | 1000 | runtime
        USE1-Claude3Sonnet-input-tokens | 1K tokens | us-east-1 | Claude Sonnet 3 | Input | - | standard | - | Tokens | 1000 | runtime
        USE1-Claude2.0-input-tokens | 1K tokens | us-east-1 | Claude 2 | Input | - | standard | - | Tokens | 1000 | runtime
        USE1-ClaudeInstant-output-tokens | 1K tokens | us-east-1 | Claude Instant | Output | - | standard | - | Tokens | 1000 | runtime
        USE1-Llama4-Maverick-17B-input-tokens-batch | 1K tokens | us-east-1 | Llama 4 Maverick 17B | Input | - | batch | - | Tokens | 1000 | runtime
        USE1-Llama3-2-1B-output-tokens | 1K tokens | us-east-1 | Llama 3.2 1B | Output | - | standard | - | Tokens | 1000 | runtime
        USE1-Llama3-3-70B-input-tokens | 1K tokens | us-east-1 | Llama 3.3 70B | Input | - | standard | - | Tokens | 1000 | runtime
        USW2-Llama3.3-70B-output-tokens | 1K tokens | us-west-2 | Llama 3.3 70B | Output | - | standard | - | Tokens | 1000 | runtime
        USE1-Mixtral8x7B-output-tokens | 1K tokens | us-east-1 | Mixtral 8x7B | Output | - | standard | - | Tokens | 1000 | runtime
        USE1-MistralLarge2407-input-tokens | 1K tokens | us-east-1 | Mistral Large 2407 | Input | - | standard | - | Tokens | 1000 | runtime
        USE1-MistralSmall-input-tokens-batch | 1K tokens | us-east-1 | Mistral Small | Input | - | batch | - | Tokens | 1000 | runtime
        USE1-GPT-OSS-Safeguard-20B-input-tokens-priority | 1K tokens | us-east-1 | GPT OSS Safeguard 20B | Input | - | priority | - | Tokens | 1000 | runtime
        USE1-GPT-OSS-Safeguard-120B-output-tokens-batch | 1K tokens | us-east-1 | GPT OSS Safeguard 120B | Output | - | batch | - | Tokens | 1000 | runtime
        USE1-Gemma-3-4B-IT-input-tokens-flex | 1K tokens | us-east-1 | Gemma 3 4B IT | Input | - | flex | - | Tokens | 1000 | runtime
        USE1-TitanTextG1-Express-input-tokens | 1K tokens | us-east-1 | Titan Text G1 Express | Input | - | standard | - | Tokens | 1000 | runtime
        EU-TitanEmbeddingV2-Text-input-tokens | 1K tokens | eu-west-1 | Titan Embedding V2 | Input | text | standard | - | Embeddings | 1000 | runtime
        USE1-NovaMultiModalEmbeddings-input-tokens | 1K tokens | us-east-1 | Nova Multimodal Embeddings | Input | - | standard | - | Embeddings | 1000 | runtime
        USE1-NovaMultiModalEmbeddings-input-tokens-batch | 1K tokens | us-east-1 | Nova Multimodal Embeddings | Input | - | batch | - | Embeddings | 1000 | runtime
        USE1-NovaMultiModalEmbeddings-input-audio-second | 1K seconds | us-east-1 | Nova Multimodal Embeddings | None | audio | standard | - | Embeddings | - | -
        USE1-NovaMultiModalEmbeddings-input-video-second | 1K seconds | us-east-1 | Nova Multimodal Embeddings | None | video | standard | - | Embeddings | - | -
        USE1-NovaMultiModalEmbeddings-input-standard-image | Images Processed | us-east-1 | Nova Multimodal Embeddings | None | image | standard | - | Embeddings | - | -
        USE1-Claude4Sonnet-input-tokens-long-context-cross-region-global | 1K tokens | us-east-1 | Claude Sonnet 4 | Input | - | cross-region-global, long-context | - | Tokens | 1000 | runtime
        USE1-Claude4Sonnet-cache-read-input-token-count-long-context-cross-region-global | 1K tokens | us-east-1 | Claude Sonnet 4 | CacheRead | - | cross-region-global, long-context | - | Tokens | 1000 | runtime
        EU-Claude4.5Sonnet-reserved-1-month-input-tokens-per-minute-cross-region-global | 1K tokens | eu-west-1 | Claude Sonnet 4.5 | None | - | reserved, cross-region-global, 1-month | - | ReservedCapacity | - | -

        # AWS Price List API, custom model inference and customisation (Nova 2 Lite in us-east-1, from a published
        # cost estimate; Nova Micro custom-model cache rows and Model Customization tokens from pricing tool tests).
        USE1-Nova2.0Lite-input-tokens-custom-model | 1K tokens | us-east-1 | Nova 2 Lite | Input | - | custom-model | - | Tokens | 1000 | runtime
        USE1-Nova2.0Lite-output-tokens-custom-model | 1K tokens | us-east-1 | Nova 2 Lite | Output | - | custom-model | - | Tokens | 1000 | runtime
        USE1-Nova2.0Lite-cache-read-input-token-count-custom-model | 1K tokens | us-east-1 | Nova 2 Lite | CacheRead | - | custom-model | - | Tokens | 1000 | runtime
        USE1-NovaPro-cache-write-input-token-count-custom-model | 1K tokens | us-east-1 | Nova Pro | CacheWrite | - | custom-model | - | Tokens | 1000 | runtime
        USE1-Nova2.0Lite-Customization-Training | 1K tokens | us-east-1 | Nova 2 Lite | None | - | standard | - | ModelCustomization | - | -
        USE1-Nova2.0Lite-Customization-Storage | Model/month | us-east-1 | Nova 2 Lite | None | - | standard | - | CustomModelStorage | - | -
        USE1-NovaMicro-Model-Customization-input-tokens | Tokens | us-east-1 | Nova Micro | None | - | standard | - | ModelCustomization | - | -
        USE1-NovaCanvas-Customization-Training | Images | us-east-1 | Nova Canvas | None | - | standard | - | ModelCustomization | - | -
        USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits | Hrs | us-east-1 | Nova 2 Lite | None | - | no-commitment | - | ProvisionedThroughput | - | -
        USE1-Nova2.0Lite-ProvisionedThroughput-1month-ModelUnits | Hrs | us-east-1 | Nova 2 Lite | None | - | 1-month | - | ProvisionedThroughput | - | -
        USE1-Nova2.0Lite-ProvisionedThroughput-ModelUnits | Hrs | us-east-1 | Nova 2 Lite | None | - | standard | - | ProvisionedThroughput | - | -

        # bedrock-mantle usage types in the AWS Price List API (Claude, GPT-5.6 in GovCloud, Grok, Qwen, GLM, Nemotron,
        # Gemma), as recorded by public pricing tools.
        USE1-anthropic.claude-sonnet-4-5-mantle-cache-write-tokens-1h-standard | 1K tokens | us-east-1 | Claude Sonnet 4.5 | CacheWrite | - | standard | 1h | Tokens | 1000 | mantle
        USE1-anthropic.claude-sonnet-4-5-mantle-cache-write-tokens-standard | 1K tokens | us-east-1 | Claude Sonnet 4.5 | CacheWrite | - | standard | - | Tokens | 1000 | mantle
        UGW1-openai.gpt-5.6-terra-mantle-input-tokens-long-ctx-standard | 1M tokens | us-gov-west-1 | GPT 5.6 Terra | Input | - | long-context | - | Tokens | 1000000 | mantle
        UGW1-openai.gpt-5.6-terra-mantle-cache-write-tokens-30m-long-ctx-standard | 1M tokens | us-gov-west-1 | GPT 5.6 Terra | CacheWrite | - | long-context | 30m | Tokens | 1000000 | mantle
        UGE1-openai.gpt-5.6-terra-mantle-cache-read-tokens-standard | 1M tokens | us-gov-east-1 | GPT 5.6 Terra | CacheRead | - | standard | - | Tokens | 1000000 | mantle
        USE1-xai.grok-4.3-mantle-output-tokens-standard | 1K tokens | us-east-1 | Grok 4.3 | Output | - | standard | - | Tokens | 1000 | mantle
        USE1-xai.grok-4.3-mantle-input-tokens-batch | 1K tokens | us-east-1 | Grok 4.3 | Input | - | batch | - | Tokens | 1000 | mantle
        USE1-qwen.qwen3-next-80b-a3b-instruct-mantle-input-tokens-flex | 1K tokens | us-east-1 | Qwen 3 Next 80B A3B | Input | - | flex | - | Tokens | 1000 | mantle
        USW2-zai.glm5-mantle-input-tokens-priority | 1K tokens | us-west-2 | GLM 5 | Input | - | priority | - | Tokens | 1000 | mantle
        USE1-nvidia.nemotron-nano-3-30b-mantle-output-tokens-standard | 1K tokens | us-east-1 | Nemotron Nano 3 30B | Output | - | standard | - | Tokens | 1000 | mantle
        USE1-google.gemma-3-4b-it-mantle-input-tokens-standard | 1K tokens | us-east-1 | Gemma 3 4B IT | Input | - | standard | - | Tokens | 1000 | mantle

        # Non-token Bedrock usage: AWS Price List API usagetype values (guardrails, rerank, data automation, Nova Canvas,
        # Nova Reel, Luma Ray) and usage types in published cost reports and Cost Explorer output.
        USE1-Guardrail-ContentPolicyUnitsConsumed | 1K units | us-east-1 | - | None | - | standard | - | Guardrails | - | -
        USE1-Guardrail-WordPolicyUnitsConsumed | 1K units | us-east-1 | - | None | - | standard | - | Guardrails | - | -
        USE1-Guardrail-AutomatedReasoningPolicyUnitsConsumed | 1K units | us-east-1 | - | None | - | standard | - | Guardrails | - | -
        USE1-Guardrail-SensitiveInformationPolicyPaidUnitsConsumed | 1K units | us-east-1 | - | None | - | standard | - | Guardrails | - | -
        USE1-Guardrail-ContentPolicyImageUnitsConsumed | Images | us-east-1 | - | None | image | standard | - | Guardrails | - | -
        UGW1-Guardrail-ContextualGroundingPolicyUnitsConsumed | 1K units | us-gov-west-1 | - | None | - | standard | - | Guardrails | - | -
        USE1-Guardrails-Text-Units | Units | us-east-1 | - | None | text | standard | - | Guardrails | - | -
        USE1-KnowledgeBase-Storage-Hours | Hours | us-east-1 | - | None | - | standard | - | KnowledgeBases | - | -
        USW2-AmazonRerank-v1-searchunits | Search Units | us-west-2 | Amazon Rerank V1 | None | - | standard | - | Rerank | - | -
        APN1-AmazonRerank-v1-searchunits | Search Units | ap-northeast-1 | Amazon Rerank V1 | None | - | standard | - | Rerank | - | -
        USE1-cohere.rerank-english-v3-search-units | Search Units | us-east-1 | Cohere Rerank English V3 | None | - | standard | - | Rerank | - | -
        USE1-DataAutomation-Standard-ImagesProcessed | Images Processed | us-east-1 | - | None | - | standard | - | DataAutomation | - | -
        USE1-DataAutomation-Custom-PagesProcessed | Pages | us-east-1 | - | None | - | standard | - | DataAutomation | - | -
        USE1-DataAutomation-Custom-PagesProcessed-AddOnFields | Pages | us-east-1 | - | None | - | standard | - | DataAutomation | - | -
        USE1-NovaCanvas-T2I-1024-Premium | image | us-east-1 | Nova Canvas | None | - | standard | - | ImageGeneration | - | -
        USE1-NovaReel-T2V-Medfps-HDRes | Seconds | us-east-1 | Nova Reel | None | - | standard | - | VideoGeneration | - | -
        USE1-NovaReel-output-seconds | Seconds | us-east-1 | Nova Reel | None | - | standard | - | VideoGeneration | - | -
        USE1-NovaReel-HDResolution-output-seconds | Seconds | us-east-1 | Nova Reel | None | - | standard | - | VideoGeneration | - | -
        USW2-Ray-V2-Medfps-HDRes | Second | us-west-2 | Ray V2 | None | - | standard | - | VideoGeneration | - | -
        USE1-AgentCore-Runtime-vCPU-Hours | vCPU-Hours | us-east-1 | - | None | - | standard | - | Agents | - | -

        # The project's sample export and earlier tests (shapes of the reference document: TTL spellings, regions, tiers).
        USE1-Claude4.6Sonnet-cache-write-input-token-count-1h | 1K tokens | us-east-1 | Claude Sonnet 4.6 | CacheWrite | - | standard | 1h | Tokens | 1000 | runtime
        USE1-Claude4.6Sonnet-cache-write-1h-input-token-count | 1K tokens | us-east-1 | Claude Sonnet 4.6 | CacheWrite | - | standard | 1h | Tokens | 1000 | runtime
        USW2-Claude4.5Haiku-input-tokens-batch | 1K tokens | us-west-2 | Claude Haiku 4.5 | Input | - | batch | - | Tokens | 1000 | runtime
        EU-Claude4.6Sonnet-input-tokens | 1K tokens | eu-west-1 | Claude Sonnet 4.6 | Input | - | standard | - | Tokens | 1000 | runtime
        EUC1-Nova2.0Lite-output-tokens-latency-optimized | 1K tokens | eu-central-1 | Nova 2 Lite | Output | - | latency-optimized | - | Tokens | 1000 | runtime
        APN1-Claude4.6Sonnet-output-tokens | 1K tokens | ap-northeast-1 | Claude Sonnet 4.6 | Output | - | standard | - | Tokens | 1000 | runtime

        # Shapes no source confirms as billed usage, and names this module does not know: counted, labelled, warned.
        USE1-MP:USE1_CacheStorage-Units | Units | us-east-1 | - | None | - | standard | - | Unrecognised | - | -
        USE1-MP:USE1_CacheValidationCount-Units | Units | us-east-1 | - | None | - | standard | - | Unrecognised | - | -
        QuantumWidgetHours | Hrs | - | - | None | - | standard | - | Unrecognised | - | -
        USE1-SomethingNew-Widgets | Hrs | us-east-1 | - | None | - | standard | - | Unrecognised | - | -
        """;

    private sealed record Case(string UsageType, string? Unit, string? Region, string? Model, TokenDirection Direction, string? Modality,
        string Tier, string? Ttl, UsageCategory Category, decimal? Multiplier, string? Endpoint);

    private static readonly Dictionary<string, Case> Cases = Parse(Table);

    public static IEnumerable<object[]> UsageTypes => Cases.Keys.Select(k => new object[] { k });

    private static Dictionary<string, Case> Parse(string table)
    {
        var cases = new Dictionary<string, Case>(StringComparer.Ordinal);
        foreach (var raw in table.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split('|').Select(x => x.Trim()).Select(x => x == "-" ? null : x).ToArray();
            Assert.True(f.Length == 11, $"malformed table line: {line}");
            cases.Add(f[0]!, new Case(f[0]!, f[1], f[2], f[3], Enum.Parse<TokenDirection>(f[4]!), f[5], f[6]!, f[7],
                Enum.Parse<UsageCategory>(f[8]!), f[9] is null ? null : decimal.Parse(f[9]!, CultureInfo.InvariantCulture), f[10]));
        }
        return cases;
    }

    [Fact]
    public void The_table_holds_at_least_80_usage_types() => Assert.True(Cases.Count >= 80, $"{Cases.Count} usage types");

    [Theory]
    [MemberData(nameof(UsageTypes))]
    public void Reads_every_part_of_a_usage_type(string usageType)
    {
        var c = Cases[usageType];
        var u = UsageTypeParser.Parse(usageType);
        Assert.Equal((c.Region, c.Model, c.Direction, c.Modality, c.Tier, c.Ttl, c.Category, c.Endpoint),
            (u.Region, u.Model, u.Direction, u.Modality, u.Tier, u.CacheTtl, u.Category, u.Endpoint));
        Assert.Equal(c.Multiplier, u.TokensPerUnit(c.Unit, marketplaceEntity: u.IsMarketplaceShape));
        Assert.Equal(c.Direction == TokenDirection.None ? "(none)" : c.Direction.ToString(), u.TokenType);
    }
}
