plugins {
    alias(libs.plugins.kotlin.jvm)
    application
}

group = "com.northwindlending"
version = "0.3.0"

repositories {
    mavenCentral()
}

dependencies {
    implementation(libs.anthropic.java)
    implementation(libs.ktor.server.netty)
    implementation(libs.ktor.server.content.negotiation)
    testImplementation(kotlin("test"))
}

application {
    mainClass.set("com.northwindlending.fraud.MainKt")
}
