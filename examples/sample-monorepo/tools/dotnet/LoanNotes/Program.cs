using Azure.AI.OpenAI;
using Azure.Identity;
using OpenAI.Chat;

// Summarises call-centre notes of one loan file for the underwriter.
var endpoint = new Uri(Environment.GetEnvironmentVariable("AZURE_OPENAI_ENDPOINT")
    ?? throw new InvalidOperationException("AZURE_OPENAI_ENDPOINT is not set"));
var deployment = Environment.GetEnvironmentVariable("AZURE_OPENAI_DEPLOYMENT") ?? "loan-notes-gpt-4o-mini";

var client = new AzureOpenAIClient(endpoint, new DefaultAzureCredential());
ChatClient chat = client.GetChatClient(deployment);

var notes = await File.ReadAllTextAsync(args.Length > 0 ? args[0] : "notes.txt");
ChatCompletion completion = await chat.CompleteChatAsync(
    new SystemChatMessage("Summarise these call notes for an underwriter in five bullet points. Omit personal data."),
    new UserChatMessage(notes));

Console.WriteLine(completion.Content[0].Text);
