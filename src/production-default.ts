// `npm start` runs the server in production mode unless NODE_ENV says otherwise. graphql-js reads
// NODE_ENV once, when it is loaded, and outside production it makes every type test it runs
// (thousands a request) also look for a second copy of itself: a development aid paid for by each
// request. So this is the first module main.ts imports, before anything that loads graphql; a
// NODE_ENV in .env would come too late for that. Apollo Server's own defaults that follow
// NODE_ENV (introspection, stack traces, landing page) are all set explicitly in http/server.ts.
process.env.NODE_ENV ??= 'production';
