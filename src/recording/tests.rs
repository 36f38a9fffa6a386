mod repair;
mod writer;
