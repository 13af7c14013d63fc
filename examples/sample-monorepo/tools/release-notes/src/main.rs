use async_openai::{
    types::{ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequestArgs},
    Client,
};
use std::io::Read;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut titles = String::new();
    std::io::stdin().read_to_string(&mut titles)?;

    let client = Client::new();
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .max_tokens(800u32)
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content(format!(
                "Group these merged pull request titles into release notes for customers:\n{titles}"
            ))
            .build()?
            .into()])
        .build()?;

    let response = client.chat().create(request).await?;
    if let Some(choice) = response.choices.first() {
        println!("{}", choice.message.content.clone().unwrap_or_default());
    }
    Ok(())
}
