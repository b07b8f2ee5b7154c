// graphql-codegen's client preset: typed documents for the operations in ../operations,
// generated from the checked-in schema. `npm run generate` writes ./generated/gql/.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["../operations/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    "./generated/gql/": {
      preset: "client",
      presetConfig: {
        // Plain strings that carry their result and variables types: no GraphQL runtime
        // needed to send them with fetch.
        fragmentMasking: false,
        // generated/gql/persisted-documents.json, the manifest twofa's PERSISTED_DOCUMENTS
        // loads; each document also carries its hash (__meta__.hash) to send as documentId.
        persistedDocuments: { hashAlgorithm: "sha256" },
      },
      config: {
        documentMode: "string",
        useTypeImports: true,
        // import "./graphql.js", as Node's ESM resolution (module NodeNext) wants.
        emitLegacyCommonJSImports: false,
        // Every custom scalar must be mapped: an unknown one fails the generation.
        strictScalars: true,
        scalars: {
          DateTime: "string",
          JSON: "unknown",
        },
      },
    },
  },
};

export default config;
